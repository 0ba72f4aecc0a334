def top_words(text, k)
  counts = text.downcase.scan(/[a-z]+/).tally
  counts.keys.sort_by { |word| [-counts[word], word] }.first(k)
end
