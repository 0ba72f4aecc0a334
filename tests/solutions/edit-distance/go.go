package main

func minDistance(word1 string, word2 string) int {
	row := make([]int, len(word2)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(word1); i++ {
		diagonal := row[0]
		row[0] = i
		for j := 1; j <= len(word2); j++ {
			above := row[j]
			replace := diagonal
			if word1[i-1] != word2[j-1] {
				replace++
			}
			row[j] = min(min(above, row[j-1])+1, replace)
			diagonal = above
		}
	}
	return row[len(word2)]
}

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}
