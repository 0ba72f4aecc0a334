fun spiralOrder(matrix: Array<IntArray>): List<Int> {
    val out = mutableListOf<Int>()
    if (matrix.isEmpty()) return out
    var top = 0
    var bottom = matrix.size - 1
    var left = 0
    var right = matrix[0].size - 1
    while (top <= bottom && left <= right) {
        for (c in left..right) out.add(matrix[top][c])
        for (r in top + 1..bottom) out.add(matrix[r][right])
        if (top < bottom && left < right) {
            for (c in right - 1 downTo left) out.add(matrix[bottom][c])
            for (r in bottom - 1 downTo top + 1) out.add(matrix[r][left])
        }
        top++
        bottom--
        left++
        right--
    }
    return out
}
