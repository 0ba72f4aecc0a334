object Solution {
  def topWords(text: String, k: Int): Array[String] = {
    val counts = "[A-Za-z]+".r.findAllIn(text).toSeq.groupBy(_.toLowerCase).mapValues(_.size)
    counts.keys.toArray.sortBy(word => (-counts(word), word)).take(k)
  }
}
