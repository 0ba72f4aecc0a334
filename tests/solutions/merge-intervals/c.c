#include <stdlib.h>

static int by_start(const void* a, const void* b) {
    const int* x = *(int* const*)a;
    const int* y = *(int* const*)b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

int** merge(int** intervals, int intervalsSize, const int* intervalsColSize, int* returnSize,
            int** returnColumnSizes) {
    (void)intervalsColSize;
    int** sorted = malloc(sizeof(int*) * (intervalsSize + 1));
    for (int i = 0; i < intervalsSize; i++) sorted[i] = intervals[i];
    qsort(sorted, intervalsSize, sizeof(int*), by_start);
    int** merged = malloc(sizeof(int*) * (intervalsSize + 1));
    *returnColumnSizes = malloc(sizeof(int) * (intervalsSize + 1));
    int n = 0;
    for (int i = 0; i < intervalsSize; i++) {
        if (n > 0 && sorted[i][0] <= merged[n - 1][1]) {
            if (sorted[i][1] > merged[n - 1][1]) merged[n - 1][1] = sorted[i][1];
        } else {
            merged[n] = malloc(sizeof(int) * 2);
            merged[n][0] = sorted[i][0];
            merged[n][1] = sorted[i][1];
            (*returnColumnSizes)[n++] = 2;
        }
    }
    free(sorted);
    *returnSize = n;
    return merged;
}
