class LRUCache
  def initialize(capacity)
    @capacity = capacity
    @items = {} # Ruby hashes keep insertion order: the first key is the least recently used
  end

  def get(key)
    return -1 unless @items.key?(key)

    @items[key] = @items.delete(key)
  end

  def put(key, value)
    @items.delete(key)
    @items[key] = value
    @items.delete(@items.first[0]) if @items.size > @capacity
  end
end
