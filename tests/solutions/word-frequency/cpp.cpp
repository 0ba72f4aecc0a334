#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

using namespace std;

vector<string> topWords(const string& text, int k) {
    map<string, int> counts;
    string word;
    for (size_t i = 0; i <= text.size(); i++) {
        char c = i < text.size() ? text[i] : ' ';
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            word += (char)tolower(c);
        } else if (!word.empty()) {
            counts[word]++;
            word.clear();
        }
    }
    vector<string> words;
    for (const auto& [w, count] : counts) words.push_back(w);
    stable_sort(words.begin(), words.end(),
                [&](const string& a, const string& b) { return counts[a] > counts[b]; });
    if ((int)words.size() > k) words.resize(k);
    return words;
}
