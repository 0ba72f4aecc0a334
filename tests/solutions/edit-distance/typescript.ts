export function minDistance(word1: string, word2: string): number {
  const row = Array.from({ length: word2.length + 1 }, (_, j) => j);
  for (let i = 1; i <= word1.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= word2.length; j++) {
      const above = row[j];
      const replace = diagonal + (word1[i - 1] === word2[j - 1] ? 0 : 1);
      row[j] = Math.min(above + 1, row[j - 1] + 1, replace);
      diagonal = above;
    }
  }
  return row[word2.length];
}
