#include <deque>
#include <string>
#include <unordered_map>

using namespace std;

class RateLimiter {
public:
    RateLimiter(int limit, double window) : limit_(limit), window_(window) {}

    bool allow(const string& client, double now) {
        deque<double>& times = requests_[client];
        while (!times.empty() && now - times.front() >= window_) times.pop_front();
        if ((int)times.size() >= limit_) return false;
        times.push_back(now);
        return true;
    }

private:
    int limit_;
    double window_;
    unordered_map<string, deque<double>> requests_;
};
