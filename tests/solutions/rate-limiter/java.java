import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

class RateLimiter {
    private final int limit;
    private final double window;
    private final Map<String, Deque<Double>> requests = new HashMap<>();

    public RateLimiter(int limit, double window) {
        this.limit = limit;
        this.window = window;
    }

    public boolean allow(String client, double now) {
        Deque<Double> times = requests.computeIfAbsent(client, c -> new ArrayDeque<>());
        while (!times.isEmpty() && now - times.peekFirst() >= window) {
            times.pollFirst();
        }
        if (times.size() >= limit) {
            return false;
        }
        times.addLast(now);
        return true;
    }
}
