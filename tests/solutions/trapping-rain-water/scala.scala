object Solution {
  def trap(height: Array[Int]): Int = {
    val leftMax = height.scanLeft(0)(math.max).tail
    val rightMax = height.scanRight(0)(math.max).init
    height.indices.map(i => math.min(leftMax(i), rightMax(i)) - height(i)).sum
  }
}
