using System.Collections.Generic;

public class RateLimiter
{
    private readonly int limit;
    private readonly double window;
    private readonly Dictionary<string, Queue<double>> requests = new Dictionary<string, Queue<double>>();

    public RateLimiter(int limit, double window)
    {
        this.limit = limit;
        this.window = window;
    }

    public bool Allow(string client, double now)
    {
        if (!requests.TryGetValue(client, out var times))
        {
            times = new Queue<double>();
            requests[client] = times;
        }
        while (times.Count > 0 && now - times.Peek() >= window) times.Dequeue();
        if (times.Count >= limit) return false;
        times.Enqueue(now);
        return true;
    }
}
