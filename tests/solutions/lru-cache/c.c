#include <stdlib.h>

#define KEY_LIMIT 10001 /* keys are 0..10^4 */

typedef struct Node {
    int key, value;
    struct Node *prev, *next;
} Node;

typedef struct LRUCache {
    int capacity, size;
    Node head; /* head.next is the most recently used, head.prev the least */
    Node* index[KEY_LIMIT];
} LRUCache;

static void unlink_node(Node* node) {
    node->prev->next = node->next;
    node->next->prev = node->prev;
}

static void push_front(LRUCache* cache, Node* node) {
    node->prev = &cache->head;
    node->next = cache->head.next;
    cache->head.next->prev = node;
    cache->head.next = node;
}

LRUCache* lru_cache_create(int capacity) {
    LRUCache* cache = calloc(1, sizeof(LRUCache));
    cache->capacity = capacity;
    cache->head.prev = cache->head.next = &cache->head;
    return cache;
}

int lru_cache_get(LRUCache* cache, int key) {
    Node* node = cache->index[key];
    if (node == NULL) return -1;
    unlink_node(node);
    push_front(cache, node);
    return node->value;
}

void lru_cache_put(LRUCache* cache, int key, int value) {
    Node* node = cache->index[key];
    if (node != NULL) {
        node->value = value;
        unlink_node(node);
        push_front(cache, node);
        return;
    }
    if (cache->size == cache->capacity) {
        Node* oldest = cache->head.prev;
        unlink_node(oldest);
        cache->index[oldest->key] = NULL;
        free(oldest);
        cache->size--;
    }
    node = malloc(sizeof(Node));
    node->key = key;
    node->value = value;
    push_front(cache, node);
    cache->index[key] = node;
    cache->size++;
}

void lru_cache_free(LRUCache* cache) {
    for (Node* node = cache->head.next; node != &cache->head;) {
        Node* next = node->next;
        free(node);
        node = next;
    }
    free(cache);
}
