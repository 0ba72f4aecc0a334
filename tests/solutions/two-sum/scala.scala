import scala.collection.mutable

object Solution {
  def twoSum(nums: Array[Int], target: Int): Array[Int] = {
    val seen = mutable.HashMap.empty[Int, Int]
    for ((num, j) <- nums.zipWithIndex) {
      seen.get(target - num) match {
        case Some(i) => return Array(i, j)
        case None => seen(num) = j
      }
    }
    Array.empty[Int]
  }
}
