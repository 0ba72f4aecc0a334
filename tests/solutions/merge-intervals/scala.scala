object Solution {
  def merge(intervals: Array[Array[Int]]): Array[Array[Int]] = {
    val merged = intervals.sortBy(_(0)).foldLeft(List.empty[Array[Int]]) {
      case (last :: rest, interval) if interval(0) <= last(1) =>
        Array(last(0), math.max(last(1), interval(1))) :: rest
      case (acc, interval) => interval.clone() :: acc
    }
    merged.reverse.toArray
  }
}
