using System.Collections.Generic;

public class LRUCache
{
    private readonly int capacity;
    private readonly LinkedList<KeyValuePair<int, int>> order = new LinkedList<KeyValuePair<int, int>>();
    private readonly Dictionary<int, LinkedListNode<KeyValuePair<int, int>>> index =
        new Dictionary<int, LinkedListNode<KeyValuePair<int, int>>>();

    public LRUCache(int capacity)
    {
        this.capacity = capacity;
    }

    public int Get(int key)
    {
        if (!index.TryGetValue(key, out var node)) return -1;
        order.Remove(node);
        order.AddFirst(node);
        return node.Value.Value;
    }

    public void Put(int key, int value)
    {
        if (index.TryGetValue(key, out var node)) order.Remove(node);
        index[key] = order.AddFirst(new KeyValuePair<int, int>(key, value));
        if (index.Count > capacity)
        {
            index.Remove(order.Last.Value.Key);
            order.RemoveLast();
        }
    }
}
