using System;
using System.Collections.Generic;
using System.Linq;

public class Solution
{
    public int[][] Merge(int[][] intervals)
    {
        var merged = new List<int[]>();
        foreach (var interval in intervals.OrderBy(interval => interval[0]))
        {
            if (merged.Count > 0 && interval[0] <= merged[merged.Count - 1][1])
            {
                var last = merged[merged.Count - 1];
                last[1] = Math.Max(last[1], interval[1]);
            }
            else
            {
                merged.Add(new[] { interval[0], interval[1] });
            }
        }
        return merged.ToArray();
    }
}
