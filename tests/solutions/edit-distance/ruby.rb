def min_distance(word1, word2)
  row = (0..word2.length).to_a
  word1.each_char.with_index(1) do |a, i|
    diagonal = row[0]
    row[0] = i
    word2.each_char.with_index(1) do |b, j|
      above = row[j]
      row[j] = [above + 1, row[j - 1] + 1, diagonal + (a == b ? 0 : 1)].min
      diagonal = above
    end
  end
  row[-1]
end
