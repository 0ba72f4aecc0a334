<?php

class RateLimiter
{
    /** @var array<string, SplQueue> */
    private array $requests = [];

    public function __construct(private int $limit, private float $window)
    {
    }

    public function allow(string $client, float $now): bool
    {
        $times = $this->requests[$client] ??= new SplQueue();
        while (!$times->isEmpty() && $now - $times->bottom() >= $this->window) {
            $times->dequeue();
        }
        if (count($times) >= $this->limit) {
            return false;
        }
        $times->enqueue($now);
        return true;
    }
}
