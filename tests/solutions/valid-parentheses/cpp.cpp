#include <stack>
#include <string>

using namespace std;

bool isValid(const string& s) {
    stack<char> expected;
    for (char c : s) {
        if (c == '(') expected.push(')');
        else if (c == '[') expected.push(']');
        else if (c == '{') expected.push('}');
        else if (expected.empty() || expected.top() != c) return false;
        else expected.pop();
    }
    return expected.empty();
}
