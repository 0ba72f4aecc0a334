#include <stdlib.h>

typedef struct {
    int value;
    int index;
} Entry;

static int by_value(const void* a, const void* b) {
    const Entry* x = a;
    const Entry* y = b;
    return (x->value > y->value) - (x->value < y->value);
}

int* two_sum(const int* nums, int numsSize, int target, int* returnSize) {
    Entry* entries = malloc(sizeof(Entry) * numsSize);
    for (int i = 0; i < numsSize; i++) {
        entries[i] = (Entry){nums[i], i};
    }
    qsort(entries, numsSize, sizeof(Entry), by_value);
    int* result = malloc(sizeof(int) * 2);
    *returnSize = 0;
    for (int lo = 0, hi = numsSize - 1; lo < hi;) {
        long long sum = (long long)entries[lo].value + entries[hi].value;
        if (sum == target) {
            int a = entries[lo].index, b = entries[hi].index;
            result[0] = a < b ? a : b;
            result[1] = a < b ? b : a;
            *returnSize = 2;
            break;
        }
        if (sum < target) lo++;
        else hi--;
    }
    free(entries);
    return result;
}
