package main

import "sort"

func merge(intervals [][]int) [][]int {
	sorted := append([][]int(nil), intervals...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a][0] < sorted[b][0] })
	merged := [][]int{}
	for _, interval := range sorted {
		if n := len(merged); n > 0 && interval[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], interval[1])
		} else {
			merged = append(merged, []int{interval[0], interval[1]})
		}
	}
	return merged
}

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}
