using System.Collections.Generic;

public class Solution
{
    public List<int> SpiralOrder(int[][] matrix)
    {
        var output = new List<int>();
        if (matrix.Length == 0) return output;
        int top = 0, bottom = matrix.Length - 1, left = 0, right = matrix[0].Length - 1;
        while (top <= bottom && left <= right)
        {
            for (int c = left; c <= right; c++) output.Add(matrix[top][c]);
            for (int r = top + 1; r <= bottom; r++) output.Add(matrix[r][right]);
            if (top < bottom && left < right)
            {
                for (int c = right - 1; c >= left; c--) output.Add(matrix[bottom][c]);
                for (int r = bottom - 1; r > top; r--) output.Add(matrix[r][left]);
            }
            top++; bottom--; left++; right--;
        }
        return output;
    }
}
