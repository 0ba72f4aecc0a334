#include <algorithm>
#include <vector>

using namespace std;

vector<vector<int>> merge(const vector<vector<int>>& intervals) {
    vector<vector<int>> sorted = intervals;
    sort(sorted.begin(), sorted.end());
    vector<vector<int>> merged;
    for (const auto& interval : sorted) {
        if (!merged.empty() && interval[0] <= merged.back()[1]) {
            merged.back()[1] = max(merged.back()[1], interval[1]);
        } else {
            merged.push_back(interval);
        }
    }
    return merged;
}
