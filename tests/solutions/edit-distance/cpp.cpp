#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

using namespace std;

int minDistance(const string& word1, const string& word2) {
    vector<int> row(word2.size() + 1);
    iota(row.begin(), row.end(), 0);
    for (size_t i = 1; i <= word1.size(); i++) {
        int diagonal = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= word2.size(); j++) {
            int above = row[j];
            int replace = diagonal + (word1[i - 1] != word2[j - 1]);
            row[j] = min({above + 1, row[j - 1] + 1, replace});
            diagonal = above;
        }
    }
    return row.back();
}
