fun twoSum(nums: IntArray, target: Int): IntArray {
    val seen = HashMap<Int, Int>()
    for ((j, num) in nums.withIndex()) {
        val i = seen[target - num]
        if (i != null) return intArrayOf(i, j)
        seen[num] = j
    }
    return intArrayOf()
}
