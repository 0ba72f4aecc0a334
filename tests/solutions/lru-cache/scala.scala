import scala.collection.mutable

class LRUCache(capacity: Int) {
  private val items = mutable.LinkedHashMap.empty[Int, Int]

  def get(key: Int): Int = items.remove(key) match {
    case Some(value) =>
      items(key) = value
      value
    case None => -1
  }

  def put(key: Int, value: Int): Unit = {
    items.remove(key)
    items(key) = value
    if (items.size > capacity) items.remove(items.head._1)
  }
}
