"""The C harness: a ``main.c`` that includes the candidate's file (see :mod:`.harness_native`).

``main.c`` holds a small JSON reader (no library is available) and the generated ``main``:
each test's input becomes the declared C types (docs/languages.md: ``int``, ``long long``,
``double``, ``bool``, ``const char*``; a ``T[]`` is a pointer and a length, a ``T[][]`` a
pointer to rows, a length and the rows' lengths; a returned array's length comes back
through ``int* returnSize``, a returned ``T[][]``'s rows' lengths through
``int** returnColumnSizes``). Maps and deeper nesting have no C version: such a problem runs
the code as a plain program. Each test runs in a forked child: a failed ``check`` ends that
test, and so does a crash.
"""

from __future__ import annotations

from sessions.execution.harness import Job
from sessions.execution.harness_native import FORK_RUNNER, build_native
from sessions.execution.spec import LanguageSpec
from sessions.interview.problems import Problem
from sessions.interview.signature import Signature, Type

RUNTIME = r"""
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { HX_NULL, HX_BOOL, HX_NUM, HX_STR, HX_ARR };
enum { HX_INT, HX_LONG, HX_DOUBLE, HX_BOOLEAN, HX_STRING };
typedef struct hx_json {
  int kind, is_int, n;
  double num;
  long long integer;
  char* str;
  struct hx_json* items;
} hx_json;

static const char* hx_p;

static void hx_ws(void) {
  while (*hx_p == ' ' || *hx_p == '\n' || *hx_p == '\t' || *hx_p == '\r') hx_p++;
}

static unsigned hx_hex4(void) {
  unsigned c = 0;
  for (int i = 0; i < 4 && *hx_p; i++) {
    char h = *hx_p++;
    c = c * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
  }
  return c;
}

static char* hx_string(void) {
  size_t cap = strlen(hx_p) + 1, n = 0;
  char* out = (char*)malloc(cap);
  hx_p++;
  while (*hx_p && *hx_p != '"') {
    if (*hx_p != '\\') { out[n++] = *hx_p++; continue; }
    hx_p++;
    char e = *hx_p++;
    unsigned c;
    switch (e) {
      case 'n': out[n++] = '\n'; break;
      case 't': out[n++] = '\t'; break;
      case 'r': out[n++] = '\r'; break;
      case 'b': out[n++] = '\b'; break;
      case 'f': out[n++] = '\f'; break;
      case 'u':
        c = hx_hex4();
        if (c >= 0xD800 && c < 0xDC00 && hx_p[0] == '\\' && hx_p[1] == 'u') {
          hx_p += 2;
          c = 0x10000 + ((c - 0xD800) << 10) + (hx_hex4() - 0xDC00);
        }
        if (c < 0x80) out[n++] = (char)c;
        else if (c < 0x800) {
          out[n++] = (char)(0xC0 | (c >> 6)); out[n++] = (char)(0x80 | (c & 0x3F));
        }
        else if (c < 0x10000) {
          out[n++] = (char)(0xE0 | (c >> 12)); out[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
          out[n++] = (char)(0x80 | (c & 0x3F));
        } else {
          out[n++] = (char)(0xF0 | (c >> 18)); out[n++] = (char)(0x80 | ((c >> 12) & 0x3F));
          out[n++] = (char)(0x80 | ((c >> 6) & 0x3F)); out[n++] = (char)(0x80 | (c & 0x3F));
        }
        break;
      default: out[n++] = e;
    }
  }
  if (*hx_p) hx_p++;
  out[n] = 0;
  return out;
}

static hx_json hx_value(void) {
  hx_json v;
  memset(&v, 0, sizeof v);
  hx_ws();
  if (*hx_p == '[' || *hx_p == '{') {
    char close = *hx_p == '[' ? ']' : '}';
    int cap = 4;
    v.kind = HX_ARR;
    v.items = (hx_json*)malloc(sizeof(hx_json) * cap);
    hx_p++;
    hx_ws();
    while (*hx_p && *hx_p != close) {
      if (close == '}') { free(hx_string()); hx_ws(); hx_p++; }
      if (v.n == cap) { cap *= 2; v.items = (hx_json*)realloc(v.items, sizeof(hx_json) * cap); }
      v.items[v.n++] = hx_value();
      hx_ws();
      if (*hx_p == ',') hx_p++;
      hx_ws();
    }
    if (*hx_p) hx_p++;
  } else if (*hx_p == '"') {
    v.kind = HX_STR;
    v.str = hx_string();
  } else if (*hx_p == 't' || *hx_p == 'f') {
    v.kind = HX_BOOL;
    v.integer = *hx_p == 't';
    hx_p += v.integer ? 4 : 5;
  } else if (*hx_p == 'n') {
    hx_p += 4;
  } else {
    char* end;
    v.kind = HX_NUM;
    v.num = strtod(hx_p, &end);
    v.is_int = 1;
    for (const char* q = hx_p; q < end; q++) if (*q == '.' || *q == 'e' || *q == 'E') v.is_int = 0;
    v.integer = v.is_int ? strtoll(hx_p, NULL, 10) : (long long)v.num;
    hx_p = end == hx_p ? hx_p + 1 : end;
  }
  return v;
}

static hx_json hx_parse(const char* text) { hx_p = text; return hx_value(); }

static size_t hx_size(int kind) {
  switch (kind) {
    case HX_INT: return sizeof(int);
    case HX_LONG: return sizeof(long long);
    case HX_DOUBLE: return sizeof(double);
    case HX_BOOLEAN: return sizeof(bool);
    default: return sizeof(char*);
  }
}

static void hx_get(const hx_json* j, int kind, void* out) {
  switch (kind) {
    case HX_INT: *(int*)out = (int)j->integer; break;
    case HX_LONG: *(long long*)out = j->integer; break;
    case HX_DOUBLE: *(double*)out = j->num; break;
    case HX_BOOLEAN: *(bool*)out = j->integer != 0; break;
    default: *(char**)out = j->str ? j->str : (char*)"";
  }
}

static void* hx_array(const hx_json* j, int kind, int* n) {
  size_t size = hx_size(kind);
  char* out = (char*)malloc(size * (size_t)(j->n + 1));
  for (int i = 0; i < j->n; i++) hx_get(&j->items[i], kind, out + size * (size_t)i);
  *n = j->n;
  return out;
}

static void** hx_array2(const hx_json* j, int kind, int* n, int** cols) {
  void** rows = (void**)malloc(sizeof(void*) * (size_t)(j->n + 1));
  *cols = (int*)malloc(sizeof(int) * (size_t)(j->n + 1));
  for (int i = 0; i < j->n; i++) rows[i] = hx_array(&j->items[i], kind, &(*cols)[i]);
  *n = j->n;
  return rows;
}

static void hx_put(hx_text* o, int kind, const void* v) {
  char buf[48];
  switch (kind) {
    case HX_INT: snprintf(buf, sizeof buf, "%d", *(const int*)v); break;
    case HX_LONG: snprintf(buf, sizeof buf, "%lld", *(const long long*)v); break;
    case HX_BOOLEAN: snprintf(buf, sizeof buf, "%s", *(const bool*)v ? "true" : "false"); break;
    case HX_DOUBLE: {
      double d = *(const double*)v;
      if (!isfinite(d)) { snprintf(buf, sizeof buf, "null"); break; }
      snprintf(buf, sizeof buf, "%.17g", d);
      if (!strpbrk(buf, ".eEn")) strcat(buf, ".0");
      break;
    }
    default: {
      const char* s = *(char* const*)v;
      if (s) hx_add_string(o, s); else hx_add(o, "null", 4);
      return;
    }
  }
  hx_add(o, buf, strlen(buf));
}

static void hx_put_array(hx_text* o, int kind, const void* v, int n) {
  size_t size = hx_size(kind);
  if (!v && n > 0) { hx_add(o, "null", 4); return; }
  hx_add(o, "[", 1);
  for (int i = 0; i < n; i++) {
    if (i) hx_add(o, ",", 1);
    hx_put(o, kind, (const char*)v + size * (size_t)i);
  }
  hx_add(o, "]", 1);
}

static void hx_put_array2(hx_text* o, int kind, void* const* v, int n, const int* cols) {
  if ((!v || !cols) && n > 0) { hx_add(o, "null", 4); return; }
  hx_add(o, "[", 1);
  for (int i = 0; i < n; i++) {
    if (i) hx_add(o, ",", 1);
    hx_put_array(o, kind, v[i], cols[i]);
  }
  hx_add(o, "]", 1);
}
"""
CHECKS = r"""
static void check(int cond, const char* message) {
  if (!cond) hx_fail(message ? message : "check failed");
}
"""
_KINDS = {
    "int": ("HX_INT", "int"),
    "long": ("HX_LONG", "long long"),
    "double": ("HX_DOUBLE", "double"),
    "bool": ("HX_BOOLEAN", "bool"),
    "string": ("HX_STRING", "char*"),
}


def _depth(kind: Type) -> tuple[int, str] | None:
    """(0, 1 or 2 levels of array, the scalar) or None when C has no version of ``kind``."""
    depth = 0
    while kind.item is not None:
        if kind.kind == "map":
            return None
        depth += 1
        kind = kind.item
    return (depth, kind.kind) if depth <= 2 else None


def supported(signature: Signature) -> bool:
    """True when every parameter and the result have a C version."""
    kinds = [p.type for p in signature.params] + [signature.returns]
    return all(_depth(kind) is not None for kind in kinds)


def calls_source(signature: Signature, name: str) -> str:
    """``main.c`` for a function-style problem (the signature must be :func:`supported`)."""
    lines: list[str] = []
    passed: list[str] = []
    for i, param in enumerate(signature.params):
        found = _depth(param.type)
        assert found is not None
        depth, scalar = found
        kind, ctype = _KINDS[scalar]
        item = f"&args.items[{i}]"
        if depth == 0:
            lines.append(f"  {ctype} p{i}; hx_get({item}, {kind}, &p{i});")
            passed.append(f"p{i}")
        elif depth == 1:
            lines.append(
                f"  int p{i}n = 0; {ctype}* p{i} = ({ctype}*)hx_array({item}, {kind}, &p{i}n);"
            )
            passed.append(f"p{i}, p{i}n")
        else:
            lines.append(
                f"  int p{i}n = 0; int* p{i}c = NULL;"
                f" {ctype}** p{i} = ({ctype}**)hx_array2({item}, {kind}, &p{i}n, &p{i}c);"
            )
            passed.append(f"p{i}, p{i}n, p{i}c")
    found = _depth(signature.returns)
    assert found is not None
    depth, scalar = found
    kind, ctype = _KINDS[scalar]
    call = ", ".join(passed)
    if depth == 0:
        lines.append(f"  {ctype} r = {name}({call});")
        lines.append(f"  hx_put(&out, {kind}, &r);")
    elif depth == 1:
        lines.append(f"  int rn = 0; {ctype}* r = {name}({call}{', ' if call else ''}&rn);")
        lines.append(f"  hx_put_array(&out, {kind}, r, rn);")
    else:
        lines.append(
            f"  int rn = 0; int* rc = NULL;"
            f" {ctype}** r = {name}({call}{', ' if call else ''}&rn, &rc);"
        )
        lines.append(f"  hx_put_array2(&out, {kind}, (void* const*)r, rn, rc);")
    body = "\n".join(lines)
    return (
        FORK_RUNNER
        + RUNTIME
        + '#include "solution.c"\n'
        + "static void hx_call(const char* input) {\n"
        + "  hx_text out = {0, 0, 0};\n"
        + "  hx_json args = hx_parse(input);\n"
        + f'  if (args.n < {len(signature.params)}) hx_fail("too few arguments");\n'
        + body
        + '\n  hx_pass(out.data ? out.data : "null");\n}\n'
        + "int main(int argc, char** argv) { return hx_main_calls(argc, argv, hx_call); }\n"
    )


def tests_source(names: list[str]) -> str:
    """``main.c`` for a design problem: the test file's ``test*`` functions, each forked."""
    table = "".join(f'  {{"{n}", {n}}},\n' for n in names)
    return (
        FORK_RUNNER
        + CHECKS
        + '#include "solution.c"\n'
        + '#include "test_solution.c"\n'
        + "static void hx_run(void (*fn)(void)) { fn(); hx_pass(NULL); }\n"
        + "static const hx_test HX_TESTS[] = {\n"
        + table
        + "  {NULL, NULL}};\n"
        + "int main(int argc, char** argv) {\n"
        + "  return hx_main_tests(argc, argv, HX_TESTS, hx_run);\n}\n"
    )


def build(spec: LanguageSpec, code: str, problem: Problem) -> Job | None:
    """The C job of ``problem`` (None: it has no tests in C, or a type C has no version of)."""
    if problem.signature is not None and not supported(problem.signature):
        return None
    return build_native(spec, code, problem, calls_source, tests_source)
