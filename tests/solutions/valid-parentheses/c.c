#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

bool is_valid(const char* s) {
    size_t n = strlen(s);
    char* expected = malloc(n + 1);
    size_t top = 0;
    bool valid = true;
    for (size_t i = 0; i < n && valid; i++) {
        switch (s[i]) {
            case '(': expected[top++] = ')'; break;
            case '[': expected[top++] = ']'; break;
            case '{': expected[top++] = '}'; break;
            default: valid = top > 0 && expected[--top] == s[i];
        }
    }
    free(expected);
    return valid && top == 0;
}
