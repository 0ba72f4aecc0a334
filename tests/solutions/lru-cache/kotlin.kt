class LRUCache(private val capacity: Int) {
    private val items = object : LinkedHashMap<Int, Int>(16, 0.75f, true) {
        override fun removeEldestEntry(eldest: MutableMap.MutableEntry<Int, Int>): Boolean =
            size > capacity
    }

    fun get(key: Int): Int = items[key] ?: -1

    fun put(key: Int, value: Int) {
        items[key] = value
    }
}
