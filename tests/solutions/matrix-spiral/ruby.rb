def spiral_order(matrix)
  rows = matrix.map(&:dup)
  out = []
  until rows.empty?
    out.concat(rows.shift)
    rows = rows.transpose.reverse
  end
  out
end
