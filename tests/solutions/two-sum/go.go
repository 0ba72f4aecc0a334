package main

func twoSum(nums []int, target int) []int {
	seen := make(map[int]int, len(nums))
	for j, num := range nums {
		if i, ok := seen[target-num]; ok {
			return []int{i, j}
		}
		seen[num] = j
	}
	return nil
}
