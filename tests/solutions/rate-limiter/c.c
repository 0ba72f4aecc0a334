#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char* name;
    double* times; /* ring buffer of the last `limit` allowed requests */
    int start, count;
} Client;

typedef struct RateLimiter {
    int limit;
    double window;
    Client* clients;
    int size, allocated;
} RateLimiter;

RateLimiter* rate_limiter_create(int limit, double window) {
    RateLimiter* limiter = calloc(1, sizeof(RateLimiter));
    limiter->limit = limit;
    limiter->window = window;
    return limiter;
}

static Client* find_client(RateLimiter* limiter, const char* name) {
    for (int i = 0; i < limiter->size; i++) {
        if (strcmp(limiter->clients[i].name, name) == 0) return &limiter->clients[i];
    }
    if (limiter->size == limiter->allocated) {
        limiter->allocated = limiter->allocated ? 2 * limiter->allocated : 8;
        limiter->clients = realloc(limiter->clients, sizeof(Client) * limiter->allocated);
    }
    Client* client = &limiter->clients[limiter->size++];
    client->name = malloc(strlen(name) + 1);
    strcpy(client->name, name);
    client->times = malloc(sizeof(double) * limiter->limit);
    client->start = client->count = 0;
    return client;
}

bool rate_limiter_allow(RateLimiter* limiter, const char* name, double now) {
    Client* client = find_client(limiter, name);
    while (client->count > 0 && now - client->times[client->start] >= limiter->window) {
        client->start = (client->start + 1) % limiter->limit;
        client->count--;
    }
    if (client->count >= limiter->limit) return false;
    client->times[(client->start + client->count) % limiter->limit] = now;
    client->count++;
    return true;
}

void rate_limiter_free(RateLimiter* limiter) {
    for (int i = 0; i < limiter->size; i++) {
        free(limiter->clients[i].name);
        free(limiter->clients[i].times);
    }
    free(limiter->clients);
    free(limiter);
}
