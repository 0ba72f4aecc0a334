package main

type RateLimiter struct {
	limit    int
	window   float64
	requests map[string][]float64
}

func NewRateLimiter(limit int, window float64) *RateLimiter {
	return &RateLimiter{limit: limit, window: window, requests: map[string][]float64{}}
}

func (r *RateLimiter) Allow(client string, now float64) bool {
	times := r.requests[client]
	for len(times) > 0 && now-times[0] >= r.window {
		times = times[1:]
	}
	if len(times) >= r.limit {
		r.requests[client] = times
		return false
	}
	r.requests[client] = append(times, now)
	return true
}
