def min_distance(word1: str, word2: str) -> int:
    row = list(range(len(word2) + 1))
    for i, a in enumerate(word1, 1):
        diagonal, row[0] = row[0], i
        for j, b in enumerate(word2, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (a != b))
    return row[-1]
