export function topWords(text: string, k: number): string[] {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const count = (word: string): number => counts.get(word) ?? 0;
  return [...counts.keys()]
    .sort((a, b) => count(b) - count(a) || (a < b ? -1 : 1))
    .slice(0, k);
}
