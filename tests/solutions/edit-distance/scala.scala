object Solution {
  def minDistance(word1: String, word2: String): Int = {
    val row = Array.tabulate(word2.length + 1)(identity)
    for (i <- 1 to word1.length) {
      var diagonal = row(0)
      row(0) = i
      for (j <- 1 to word2.length) {
        val above = row(j)
        val replace = diagonal + (if (word1(i - 1) == word2(j - 1)) 0 else 1)
        row(j) = math.min(math.min(above, row(j - 1)) + 1, replace)
        diagonal = above
      }
    }
    row(word2.length)
  }
}
