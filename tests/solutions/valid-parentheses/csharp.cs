using System.Collections.Generic;

public class Solution
{
    public bool IsValid(string s)
    {
        var expected = new Stack<char>();
        foreach (char c in s)
        {
            switch (c)
            {
                case '(': expected.Push(')'); break;
                case '[': expected.Push(']'); break;
                case '{': expected.Push('}'); break;
                default:
                    if (expected.Count == 0 || expected.Pop() != c) return false;
                    break;
            }
        }
        return expected.Count == 0;
    }
}
