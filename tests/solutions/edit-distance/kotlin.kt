fun minDistance(word1: String, word2: String): Int {
    val row = IntArray(word2.length + 1) { it }
    for (i in 1..word1.length) {
        var diagonal = row[0]
        row[0] = i
        for (j in 1..word2.length) {
            val above = row[j]
            val replace = diagonal + if (word1[i - 1] == word2[j - 1]) 0 else 1
            row[j] = minOf(above + 1, row[j - 1] + 1, replace)
            diagonal = above
        }
    }
    return row[word2.length]
}
