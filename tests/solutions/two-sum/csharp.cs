using System.Collections.Generic;

public class Solution
{
    public int[] TwoSum(int[] nums, int target)
    {
        var seen = new Dictionary<int, int>();
        for (int j = 0; j < nums.Length; j++)
        {
            if (seen.TryGetValue(target - nums[j], out int i))
            {
                return new[] { i, j };
            }
            seen[nums[j]] = j;
        }
        return new int[0];
    }
}
