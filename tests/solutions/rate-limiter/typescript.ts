export class RateLimiter {
  private readonly requests = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly window: number,
  ) {}

  allow(client: string, now: number): boolean {
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
