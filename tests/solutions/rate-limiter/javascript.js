class RateLimiter {
  constructor(limit, window) {
    this.limit = limit;
    this.window = window;
    this.requests = new Map();
  }

  allow(client, now) {
    let times = this.requests.get(client);
    if (!times) {
      times = [];
      this.requests.set(client, times);
    }
    while (times.length > 0 && now - times[0] >= this.window) times.shift();
    if (times.length >= this.limit) return false;
    times.push(now);
    return true;
  }
}

module.exports = { RateLimiter };
