using System;

public class Solution
{
    public int MinDistance(string word1, string word2)
    {
        var row = new int[word2.Length + 1];
        for (int j = 0; j < row.Length; j++) row[j] = j;
        for (int i = 1; i <= word1.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= word2.Length; j++)
            {
                int above = row[j];
                int replace = diagonal + (word1[i - 1] == word2[j - 1] ? 0 : 1);
                row[j] = Math.Min(Math.Min(above, row[j - 1]) + 1, replace);
                diagonal = above;
            }
        }
        return row[word2.Length];
    }
}
