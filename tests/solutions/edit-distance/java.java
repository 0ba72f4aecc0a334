class Solution {
    public int minDistance(String word1, String word2) {
        int[] row = new int[word2.length() + 1];
        for (int j = 0; j < row.length; j++) {
            row[j] = j;
        }
        for (int i = 1; i <= word1.length(); i++) {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= word2.length(); j++) {
                int above = row[j];
                int replace = diagonal + (word1.charAt(i - 1) == word2.charAt(j - 1) ? 0 : 1);
                row[j] = Math.min(Math.min(above + 1, row[j - 1] + 1), replace);
                diagonal = above;
            }
        }
        return row[word2.length()];
    }
}
