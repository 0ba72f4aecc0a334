def trap(height)
  left, right = 0, height.length - 1
  left_max = right_max = water = 0
  while left < right
    if height[left] < height[right]
      left_max = [left_max, height[left]].max
      water += left_max - height[left]
      left += 1
    else
      right_max = [right_max, height[right]].max
      water += right_max - height[right]
      right -= 1
    end
  end
  water
end
