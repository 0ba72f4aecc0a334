package main

import (
	"regexp"
	"sort"
	"strings"
)

var word = regexp.MustCompile(`[A-Za-z]+`)

func topWords(text string, k int) []string {
	counts := map[string]int{}
	for _, w := range word.FindAllString(text, -1) {
		counts[strings.ToLower(w)]++
	}
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	sort.Slice(words, func(a, b int) bool {
		if counts[words[a]] != counts[words[b]] {
			return counts[words[a]] > counts[words[b]]
		}
		return words[a] < words[b]
	})
	if len(words) > k {
		words = words[:k]
	}
	return words
}
