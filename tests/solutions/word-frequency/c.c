#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char* word;
    int count;
} Entry;

static int by_word(const void* a, const void* b) {
    return strcmp(*(char* const*)a, *(char* const*)b);
}

static int by_count_then_word(const void* a, const void* b) {
    const Entry* x = a;
    const Entry* y = b;
    if (x->count != y->count) return y->count - x->count;
    return strcmp(x->word, y->word);
}

char** top_words(const char* text, int k, int* returnSize) {
    size_t n = strlen(text);
    char** words = malloc(sizeof(char*) * (n / 2 + 1));
    int total = 0;
    for (size_t i = 0; i < n;) {
        if (!isalpha((unsigned char)text[i]) || (unsigned char)text[i] >= 128) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < n && isalpha((unsigned char)text[i]) && (unsigned char)text[i] < 128) i++;
        char* word = malloc(i - start + 1);
        for (size_t j = start; j < i; j++) word[j - start] = tolower((unsigned char)text[j]);
        word[i - start] = '\0';
        words[total++] = word;
    }
    qsort(words, total, sizeof(char*), by_word);
    Entry* entries = malloc(sizeof(Entry) * (total + 1));
    int distinct = 0;
    for (int i = 0; i < total; i++) {
        if (distinct > 0 && strcmp(entries[distinct - 1].word, words[i]) == 0) {
            entries[distinct - 1].count++;
            free(words[i]);
        } else {
            entries[distinct++] = (Entry){words[i], 1};
        }
    }
    qsort(entries, distinct, sizeof(Entry), by_count_then_word);
    *returnSize = distinct < k ? distinct : k;
    char** result = malloc(sizeof(char*) * (*returnSize + 1));
    for (int i = 0; i < distinct; i++) {
        if (i < *returnSize) result[i] = entries[i].word;
        else free(entries[i].word);
    }
    free(entries);
    free(words);
    return result;
}
