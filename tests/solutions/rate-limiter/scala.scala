import scala.collection.mutable

class RateLimiter(limit: Int, window: Double) {
  private val requests = mutable.HashMap.empty[String, mutable.Queue[Double]]

  def allow(client: String, now: Double): Boolean = {
    val times = requests.getOrElseUpdate(client, mutable.Queue.empty[Double])
    while (times.nonEmpty && now - times.head >= window) times.dequeue()
    if (times.size >= limit) false
    else {
      times.enqueue(now)
      true
    }
  }
}
