#include <stdlib.h>
#include <string.h>

static int min3(int a, int b, int c) {
    int m = a < b ? a : b;
    return m < c ? m : c;
}

int min_distance(const char* word1, const char* word2) {
    int n = strlen(word1), m = strlen(word2);
    int* row = malloc(sizeof(int) * (m + 1));
    for (int j = 0; j <= m; j++) row[j] = j;
    for (int i = 1; i <= n; i++) {
        int diagonal = row[0];
        row[0] = i;
        for (int j = 1; j <= m; j++) {
            int above = row[j];
            row[j] = min3(above + 1, row[j - 1] + 1, diagonal + (word1[i - 1] != word2[j - 1]));
            diagonal = above;
        }
    }
    int distance = row[m];
    free(row);
    return distance;
}
