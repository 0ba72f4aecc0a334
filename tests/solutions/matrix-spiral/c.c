#include <stdlib.h>

int* spiral_order(int** matrix, int matrixSize, const int* matrixColSize, int* returnSize) {
    int cols = matrixSize > 0 ? matrixColSize[0] : 0;
    int* out = malloc(sizeof(int) * (matrixSize * cols + 1));
    int n = 0;
    int top = 0, bottom = matrixSize - 1, left = 0, right = cols - 1;
    while (top <= bottom && left <= right) {
        for (int c = left; c <= right; c++) out[n++] = matrix[top][c];
        for (int r = top + 1; r <= bottom; r++) out[n++] = matrix[r][right];
        if (top < bottom && left < right) {
            for (int c = right - 1; c >= left; c--) out[n++] = matrix[bottom][c];
            for (int r = bottom - 1; r > top; r--) out[n++] = matrix[r][left];
        }
        top++, bottom--, left++, right--;
    }
    *returnSize = n;
    return out;
}
