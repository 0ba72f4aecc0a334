using System;
using System.Linq;
using System.Text.RegularExpressions;

public class Solution
{
    public string[] TopWords(string text, int k)
    {
        return Regex.Matches(text, "[A-Za-z]+")
            .Cast<Match>()
            .GroupBy(match => match.Value.ToLowerInvariant())
            .OrderByDescending(group => group.Count())
            .ThenBy(group => group.Key, StringComparer.Ordinal)
            .Take(k)
            .Select(group => group.Key)
            .ToArray();
    }
}
