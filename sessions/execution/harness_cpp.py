"""The C++ harness: a ``main.cpp`` that includes the candidate's file (see :mod:`.harness_native`).

``main.cpp`` holds a small JSON reader and writer (no library is available), the
conversions from JSON to the declared parameter types (``std::vector``, ``std::map``,
``std::string``, numbers, ``bool``) and back, and the generated ``main``. Each test runs in
a forked child (:data:`~sessions.execution.harness_native.FORK_RUNNER`): a crash, an
uncaught exception or a failed ``check`` ends that test only. The candidate's file is
included with ``#include "solution.cpp"`` so the compiler's messages name it with its own
lines.
"""

from __future__ import annotations

from sessions.execution.harness import Job
from sessions.execution.harness_native import FORK_RUNNER, build_native
from sessions.execution.spec import LanguageSpec
from sessions.interview.problems import Problem
from sessions.interview.signature import Signature, Type

RUNTIME = r"""
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <new>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>
#include <unistd.h>

namespace hx {
struct Json {
  enum Kind { Null, Bool, Num, Str, Arr, Obj } kind = Null;
  bool b = false;
  double num = 0;
  long long integer = 0;
  bool is_int = false;
  std::string s;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> fields;
};

struct Reader {
  const char* p;
  void ws() { while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++; }
  static void utf8(std::string& out, unsigned c) {
    if (c < 0x80) { out += (char)c; }
    else if (c < 0x800) { out += (char)(0xC0 | (c >> 6)); out += (char)(0x80 | (c & 0x3F)); }
    else if (c < 0x10000) {
      out += (char)(0xE0 | (c >> 12)); out += (char)(0x80 | ((c >> 6) & 0x3F));
      out += (char)(0x80 | (c & 0x3F));
    } else {
      out += (char)(0xF0 | (c >> 18)); out += (char)(0x80 | ((c >> 12) & 0x3F));
      out += (char)(0x80 | ((c >> 6) & 0x3F)); out += (char)(0x80 | (c & 0x3F));
    }
  }
  unsigned hex4() {
    unsigned c = 0;
    for (int i = 0; i < 4; i++) {
      char h = *p++;
      c = c * 16 + (h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
    }
    return c;
  }
  std::string str() {
    std::string out;
    p++;
    while (*p && *p != '"') {
      if (*p != '\\') { out += *p++; continue; }
      p++;
      char e = *p++;
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          unsigned c = hex4();
          if (c >= 0xD800 && c < 0xDC00 && p[0] == '\\' && p[1] == 'u') {
            p += 2;
            c = 0x10000 + ((c - 0xD800) << 10) + (hex4() - 0xDC00);
          }
          utf8(out, c);
          break;
        }
        default: out += e;
      }
    }
    if (*p) p++;
    return out;
  }
  Json value() {
    ws();
    Json v;
    if (*p == '{') {
      v.kind = Json::Obj; p++; ws();
      while (*p && *p != '}') {
        ws(); std::string key = str(); ws(); p++;
        v.fields.emplace_back(key, value()); ws();
        if (*p == ',') p++;
        ws();
      }
      if (*p) p++;
    } else if (*p == '[') {
      v.kind = Json::Arr; p++; ws();
      while (*p && *p != ']') {
        v.items.push_back(value()); ws();
        if (*p == ',') p++;
        ws();
      }
      if (*p) p++;
    } else if (*p == '"') {
      v.kind = Json::Str; v.s = str();
    } else if (*p == 't' || *p == 'f') {
      v.kind = Json::Bool; v.b = *p == 't'; p += v.b ? 4 : 5;
    } else if (*p == 'n') {
      p += 4;
    } else {
      v.kind = Json::Num;
      const char* start = p;
      char* end;
      v.num = strtod(start, &end);
      v.is_int = true;
      for (const char* q = start; q < end; q++)
        if (*q == '.' || *q == 'e' || *q == 'E') v.is_int = false;
      if (v.is_int) v.integer = strtoll(start, nullptr, 10);
      p = end == start ? p + 1 : end;
    }
    return v;
  }
};

inline Json parse(const std::string& text) { Reader r{text.c_str()}; return r.value(); }

inline void get(const Json& j, int& out) { out = j.is_int ? (int)j.integer : (int)j.num; }
inline void get(const Json& j, long& out) { out = j.is_int ? (long)j.integer : (long)j.num; }
inline void get(const Json& j, long long& out) { out = j.is_int ? j.integer : (long long)j.num; }
inline void get(const Json& j, double& out) { out = j.num; }
inline void get(const Json& j, bool& out) { out = j.b; }
inline void get(const Json& j, std::string& out) { out = j.s; }
template <class T> void get(const Json& j, std::vector<T>& out) {
  out.clear();
  for (const Json& item : j.items) { T v{}; get(item, v); out.push_back(v); }
}
template <class T> void get(const Json& j, std::map<std::string, T>& out) {
  for (const auto& kv : j.fields) { T v{}; get(kv.second, v); out[kv.first] = v; }
}

inline void put(std::string& o, const std::string& s) {
  o += '"';
  for (unsigned char c : s) {
    if (c == '"') o += "\\\"";
    else if (c == '\\') o += "\\\\";
    else if (c == '\n') o += "\\n";
    else if (c == '\t') o += "\\t";
    else if (c == '\r') o += "\\r";
    else if (c < 0x20) { char b[8]; snprintf(b, sizeof b, "\\u%04x", c); o += b; }
    else o += (char)c;
  }
  o += '"';
}
inline void put(std::string& o, const char* s) { if (s) put(o, std::string(s)); else o += "null"; }
inline void put(std::string& o, bool v) { o += v ? "true" : "false"; }
inline void put(std::string& o, char v) { put(o, std::string(1, v)); }
inline void put(std::string& o, int v) { o += std::to_string(v); }
inline void put(std::string& o, unsigned v) { o += std::to_string(v); }
inline void put(std::string& o, long v) { o += std::to_string(v); }
inline void put(std::string& o, unsigned long v) { o += std::to_string(v); }
inline void put(std::string& o, long long v) { o += std::to_string(v); }
inline void put(std::string& o, unsigned long long v) { o += std::to_string(v); }
inline void put(std::string& o, double v) {
  if (!std::isfinite(v)) { o += "null"; return; }
  char b[40]; snprintf(b, sizeof b, "%.17g", v); o += b;
  if (!strpbrk(b, ".eE")) o += ".0";
}
inline void put(std::string& o, float v) { put(o, (double)v); }
template <class T> void put(std::string& o, const std::vector<T>& v) {
  o += '[';
  for (size_t i = 0; i < v.size(); i++) { if (i) o += ','; put(o, static_cast<T>(v[i])); }
  o += ']';
}
template <class A, class B> void put(std::string& o, const std::pair<A, B>& v) {
  o += '['; put(o, v.first); o += ','; put(o, v.second); o += ']';
}
template <class M> void put_map(std::string& o, const M& m) {
  o += '{';
  bool first = true;
  for (const auto& kv : m) {
    if (!first) o += ',';
    first = false;
    put(o, kv.first); o += ':'; put(o, kv.second);
  }
  o += '}';
}
template <class T> void put(std::string& o, const std::map<std::string, T>& m) { put_map(o, m); }
template <class T> void put(std::string& o, const std::unordered_map<std::string, T>& m) {
  put_map(o, m);
}

struct CheckFailed { std::string message; };
}  // namespace hx
"""
CHECKS = r"""
inline void check(bool cond, const std::string& message = "check failed") {
  if (!cond) throw hx::CheckFailed{message};
}
template <class A, class B> void check_equal(const A& actual, const B& expected) {
  if (!(actual == expected)) {
    std::string a, e;
    hx::put(a, actual); hx::put(e, expected);
    throw hx::CheckFailed{"expected " + e + ", got " + a};
  }
}
"""

_SCALARS = {"int": "int", "long": "long long", "double": "double", "bool": "bool"}


def cpp_type(kind: Type) -> str:
    """The C++ type of a signature type (docs/languages.md)."""
    if kind.item is None:
        return "std::string" if kind.kind == "string" else _SCALARS[kind.kind]
    if kind.kind == "map":
        return f"std::map<std::string, {cpp_type(kind.item)}>"
    return f"std::vector<{cpp_type(kind.item)}>"


def _guarded(body: str) -> str:
    """``body`` run in the child, with a C++ exception turned into the test's error."""
    return (
        "  try {\n" + body + "  } catch (const hx::CheckFailed& e) { hx_fail(e.message.c_str());\n"
        '  } catch (const std::bad_alloc&) { hx_memory(); hx_fail("std::bad_alloc");\n'
        "  } catch (const std::exception& e) {\n"
        '    hx_fail((std::string("exception: ") + e.what()).c_str());\n'
        '  } catch (...) { hx_fail("an exception that is not a std::exception"); }\n'
    )


def calls_source(signature: Signature, name: str) -> str:
    """``main.cpp`` for a function-style problem: each test's input to ``name``'s types."""
    lines = []
    for i, param in enumerate(signature.params):
        lines.append(f"    {cpp_type(param.type)} p{i}{{}}; hx::get(args.items.at({i}), p{i});\n")
    call = ", ".join(f"p{i}" for i in range(len(signature.params)))
    body = "".join(lines) + (
        f"    auto result = {name}({call});\n"
        "    std::string out; hx::put(out, result); hx_pass(out.c_str());\n"
    )
    return (
        RUNTIME
        + '#include "solution.cpp"\n'
        + FORK_RUNNER
        + "static void hx_call(const char* input) {\n"
        + "  hx::Json args = hx::parse(input);\n"
        + _guarded(body)
        + "}\n"
        + "int main(int argc, char** argv) { return hx_main_calls(argc, argv, hx_call); }\n"
    )


def tests_source(names: list[str]) -> str:
    """``main.cpp`` for a design problem: the test file's ``test*`` functions, each forked."""
    table = "".join(f'  {{"{n}", {n}}},\n' for n in names)
    return (
        RUNTIME
        + '#include "solution.cpp"\n'
        + CHECKS
        + '#include "test_solution.cpp"\n'
        + FORK_RUNNER
        + "static void hx_run(void (*fn)()) {\n"
        + _guarded("    fn(); hx_pass(nullptr);\n")
        + "}\n"
        + "static const hx_test HX_TESTS[] = {\n"
        + table
        + "  {nullptr, nullptr}};\n"
        + "int main(int argc, char** argv) {\n"
        + "  return hx_main_tests(argc, argv, HX_TESTS, hx_run);\n}\n"
    )


def build(spec: LanguageSpec, code: str, problem: Problem) -> Job | None:
    """The C++ job of ``problem`` (None: it has no tests in C++)."""
    return build_native(spec, code, problem, calls_source, tests_source)
