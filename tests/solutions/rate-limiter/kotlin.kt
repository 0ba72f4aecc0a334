import java.util.ArrayDeque

class RateLimiter(private val limit: Int, private val window: Double) {
    private val requests = HashMap<String, ArrayDeque<Double>>()

    fun allow(client: String, now: Double): Boolean {
        val times = requests.getOrPut(client) { ArrayDeque() }
        while (times.isNotEmpty() && now - times.peekFirst() >= window) times.pollFirst()
        if (times.size >= limit) return false
        times.addLast(now)
        return true
    }
}
