import re
from collections import Counter


def top_words(text: str, k: int) -> list[str]:
    counts = Counter(word.lower() for word in re.findall(r"[A-Za-z]+", text))
    return sorted(counts, key=lambda word: (-counts[word], word))[:k]
