def search(nums, target)
  index = nums.bsearch_index { |num| num >= target }
  index && nums[index] == target ? index : -1
end
