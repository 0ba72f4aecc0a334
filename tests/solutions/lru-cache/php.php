<?php

class LRUCache
{
    /** @var array<int, int> PHP arrays keep insertion order: the first key is the least recently used. */
    private array $items = [];

    public function __construct(private int $capacity)
    {
    }

    public function get(int $key): int
    {
        if (!array_key_exists($key, $this->items)) {
            return -1;
        }
        $value = $this->items[$key];
        unset($this->items[$key]);
        $this->items[$key] = $value;
        return $value;
    }

    public function put(int $key, int $value): void
    {
        unset($this->items[$key]);
        $this->items[$key] = $value;
        if (count($this->items) > $this->capacity) {
            unset($this->items[array_key_first($this->items)]);
        }
    }
}
