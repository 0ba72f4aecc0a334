use std::collections::{HashMap, VecDeque};

struct RateLimiter {
    limit: usize,
    window: f64,
    requests: HashMap<String, VecDeque<f64>>,
}

impl RateLimiter {
    fn new(limit: usize, window: f64) -> Self {
        RateLimiter { limit, window, requests: HashMap::new() }
    }

    fn allow(&mut self, client: &str, now: f64) -> bool {
        let times = self.requests.entry(client.to_string()).or_default();
        while let Some(&oldest) = times.front() {
            if now - oldest < self.window {
                break;
            }
            times.pop_front();
        }
        if times.len() >= self.limit {
            return false;
        }
        times.push_back(now);
        true
    }
}
