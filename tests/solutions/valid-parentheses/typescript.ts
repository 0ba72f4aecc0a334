const PAIRS: Record<string, string> = { ")": "(", "]": "[", "}": "{" };

export function isValid(s: string): boolean {
  const stack: string[] = [];
  for (const char of s) {
    if (char in PAIRS) {
      if (stack.pop() !== PAIRS[char]) return false;
    } else {
      stack.push(char);
    }
  }
  return stack.length === 0;
}
