def two_sum(nums, target)
  seen = {}
  nums.each_with_index do |num, j|
    i = seen[target - num]
    return [i, j] if i
    seen[num] = j
  end
  []
end
