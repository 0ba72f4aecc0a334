package main

import "container/list"

type entry struct {
	key, value int
}

type LRUCache struct {
	capacity int
	order    *list.List
	items    map[int]*list.Element
}

func NewLRUCache(capacity int) *LRUCache {
	return &LRUCache{capacity: capacity, order: list.New(), items: map[int]*list.Element{}}
}

func (c *LRUCache) Get(key int) int {
	element, ok := c.items[key]
	if !ok {
		return -1
	}
	c.order.MoveToFront(element)
	return element.Value.(*entry).value
}

func (c *LRUCache) Put(key int, value int) {
	if element, ok := c.items[key]; ok {
		element.Value.(*entry).value = value
		c.order.MoveToFront(element)
		return
	}
	c.items[key] = c.order.PushFront(&entry{key, value})
	if c.order.Len() > c.capacity {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*entry).key)
	}
}
