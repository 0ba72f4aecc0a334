import scala.annotation.tailrec

object Solution {
  def search(nums: Array[Int], target: Int): Int = {
    @tailrec
    def within(lo: Int, hi: Int): Int =
      if (lo > hi) -1
      else {
        val mid = (lo + hi) >>> 1
        if (nums(mid) == target) mid
        else if (nums(mid) < target) within(mid + 1, hi)
        else within(lo, mid - 1)
      }
    within(0, nums.length - 1)
  }
}
