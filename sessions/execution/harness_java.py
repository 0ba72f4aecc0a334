# ruff: noqa: E501 (the Java source below keeps its own line lengths)
"""The Java harness: ``Main.java`` compiled with the candidate's file (and the test file).

``Main`` reads ``job.json`` with a small JSON reader of its own (no JSON library in the
JDK), converts each test's arguments to the signature's declared types at run time
(``Conv.to``: ``int[][]`` becomes an ``int[][]``, ``list<int>`` a ``List<Integer>``), calls
the method through one generated line (``Calls.call``), and writes what it returned as JSON
on the results descriptor (``/proc/self/fd/N``). A design problem's ``class Tests`` has its
``void testX()`` methods called one by one through generated calls; ``Check.that`` and
``Check.equal`` are its helpers.
"""

from __future__ import annotations

import re

from sessions.execution.harness import (
    Job,
    call_plan,
    function_job,
    test_file,
    test_names,
    tests_job,
)
from sessions.execution.jobs import java_file
from sessions.execution.spec import LanguageSpec
from sessions.interview.problems import Problem
from sessions.interview.signature import Type

TESTS_FILE = "Tests.java"
TEST_PATTERN = re.compile(r"\bvoid\s+(test\w*)\s*\(")
BOXED = {
    "int": "Integer",
    "long": "Long",
    "double": "Double",
    "bool": "Boolean",
    "string": "String",
}
PRIMITIVE = {"int": "int", "long": "long", "double": "double", "bool": "boolean"}


def java_type(kind: Type, boxed: bool = True) -> str:
    """The Java type a value of ``kind`` is cast to (``Integer``, ``int[]``, ``List<Long>``)."""
    if kind.item is None:
        return BOXED[kind.kind] if boxed else PRIMITIVE.get(kind.kind, "String")
    if kind.kind == "array":
        return java_type(kind.item, boxed=False) + "[]"
    if kind.kind == "list":
        return f"java.util.List<{java_type(kind.item)}>"
    return f"java.util.Map<String, {java_type(kind.item)}>"


def _class_of(entry: str) -> str:
    return entry.rsplit(".", 1)[0] if "." in entry else "Solution"


def build(spec: LanguageSpec, code: str, problem: Problem) -> Job | None:
    """Calls of the method (``Solution.twoSum``), or the test file's ``test`` methods."""
    candidate = java_file(code, default="Solution")
    plan = call_plan(problem, spec.id)
    if plan is not None and plan.signature is not None:
        args = ", ".join(
            f"({java_type(p.type)}) a[{i}]" for i, p in enumerate(plan.signature.params)
        )
        call = f"return new {_class_of(plan.entry)}().{plan.function}({args});"
        files = {candidate: code, spec.harness_name: _source(call, "")}
        sources: tuple[str, ...] = (candidate, spec.harness_name)
        return function_job(files, plan, script=candidate, main="Main", sources=sources,
                            candidate=candidate)  # fmt: skip
    text = test_file(problem, spec.id)
    if text is None:
        return None
    names = test_names(text, TEST_PATTERN)
    cases = "".join(f'        case "{n}": new Tests().{n}(); return;\n' for n in names)
    files = {
        candidate: code,
        TESTS_FILE: text,
        spec.harness_name: _source("throw new IllegalStateException();", cases),
    }
    sources = (candidate, TESTS_FILE, spec.harness_name)
    return tests_job(files, names, script=candidate, main="Main", sources=sources,
                     candidate=candidate)  # fmt: skip


SOURCE = r"""
import java.io.*;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

@SuppressWarnings({"unchecked", "rawtypes"})
public class Main {
    static OutputStream results;

    static void emit(String json) {
        try {
            results.write((json + "\n").getBytes(StandardCharsets.UTF_8));
            results.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void main(String[] args) throws Exception {
        results = new FileOutputStream("/proc/self/fd/" + args[0]);
        byte[] raw = Files.readAllBytes(Paths.get(args[1], "job.json"));
        Map<String, Object> job = (Map<String, Object>) Json.parse(new String(raw, StandardCharsets.UTF_8));
        if ("calls".equals(job.get("mode"))) runCalls(job); else runTests(job);
        System.out.flush();
        System.exit(0);
    }

    static void runCalls(Map<String, Object> job) {
        List<Object> inputs = (List<Object>) job.get("inputs");
        List<Object> params = (List<Object>) ((Map<String, Object>) job.get("signature")).get("params");
        for (int i = 0; i < inputs.size(); i++) {
            List<Object> given = (List<Object>) inputs.get(i);
            String actual = "null";
            String error = null;
            try {
                Object[] a = new Object[given.size()];
                for (int j = 0; j < a.length; j++) {
                    a[j] = Conv.to(given.get(j), (String) ((Map<String, Object>) params.get(j)).get("type"));
                }
                actual = Json.write(Calls.call(a));
            } catch (OutOfMemoryError e) {
                emit("{\"memory\": true}");
                error = failure(e);
            } catch (Throwable e) {
                error = failure(e);
            }
            emit("{\"call\": {\"index\": " + i + ", \"actual\": " + actual + ", \"error\": " + Json.write(error) + "}}");
        }
    }

    static void runTests(Map<String, Object> job) {
        for (Object name : (List<Object>) job.get("names")) {
            String error = null;
            try {
                Calls.test((String) name);
            } catch (OutOfMemoryError e) {
                emit("{\"memory\": true}");
                error = failure(e);
            } catch (Throwable e) {
                error = failure(e);
            }
            emit("{\"test\": {\"name\": " + Json.write(name) + ", \"passed\": " + (error == null)
                + ", \"expected\": null, \"actual\": null, \"error\": " + Json.write(error) + "}}");
        }
    }

    static String failure(Throwable e) {
        String text = e instanceof AssertionError && e.getMessage() != null ? e.getMessage() : e.toString();
        for (StackTraceElement frame : e.getStackTrace()) {
            String file = frame.getFileName();
            if (file != null && !file.equals("Main.java") && frame.getLineNumber() > 0
                    && !frame.getClassName().startsWith("java.")) {
                text += " (" + file + " line " + frame.getLineNumber() + ")";
                break;
            }
        }
        return text.length() > 2000 ? text.substring(0, 2000) : text;
    }

    static List<Object> seq(Object v) {
        if (v != null && v.getClass().isArray()) {
            List<Object> out = new ArrayList<>();
            for (int k = 0; k < Array.getLength(v); k++) out.add(Array.get(v, k));
            return out;
        }
        if (v instanceof Iterable) {
            List<Object> out = new ArrayList<>();
            for (Object x : (Iterable<Object>) v) out.add(x);
            return out;
        }
        return null;
    }

    static boolean same(Object a, Object b) {
        if (a instanceof Number && b instanceof Number) {
            boolean real = a instanceof Double || a instanceof Float || b instanceof Double || b instanceof Float;
            if (!real) return ((Number) a).longValue() == ((Number) b).longValue();
            double x = ((Number) a).doubleValue(), y = ((Number) b).doubleValue();
            return x == y || Math.abs(x - y) <= 1e-9 * Math.max(1.0, Math.abs(y));
        }
        List<Object> left = seq(a), right = seq(b);
        if (left != null && right != null) {
            if (left.size() != right.size()) return false;
            for (int k = 0; k < left.size(); k++) if (!same(left.get(k), right.get(k))) return false;
            return true;
        }
        if (a instanceof Map && b instanceof Map) {
            Map<Object, Object> x = (Map<Object, Object>) a, y = (Map<Object, Object>) b;
            if (!x.keySet().equals(y.keySet())) return false;
            for (Object key : x.keySet()) if (!same(x.get(key), y.get(key))) return false;
            return true;
        }
        return Objects.equals(a, b);
    }
}

@SuppressWarnings({"unchecked", "rawtypes"})
class Calls {
    static Object call(Object[] a) throws Throwable {
        /*CALL*/
    }

    static void test(String name) throws Throwable {
        switch (name) {
/*TESTS*/
        }
        throw new IllegalStateException("no test " + name);
    }
}

class Check {
    static void that(boolean cond, String message) {
        if (!cond) throw new AssertionError(message);
    }

    static void that(boolean cond) {
        that(cond, "check failed");
    }

    static void equal(Object actual, Object expected) {
        if (!Main.same(actual, expected)) {
            throw new AssertionError("expected " + Json.write(expected) + " but got " + Json.write(actual));
        }
    }
}

@SuppressWarnings({"unchecked", "rawtypes"})
class Conv {
    static Object to(Object v, String t) {
        switch (t) {
            case "int": return ((Number) v).intValue();
            case "long": return ((Number) v).longValue();
            case "double": return ((Number) v).doubleValue();
            case "bool": return (Boolean) v;
            case "string": return (String) v;
        }
        if (t.endsWith("[]")) {
            String item = t.substring(0, t.length() - 2);
            List<Object> list = (List<Object>) v;
            Object out = Array.newInstance(component(item), list.size());
            for (int k = 0; k < list.size(); k++) Array.set(out, k, to(list.get(k), item));
            return out;
        }
        if (t.startsWith("list<")) {
            String item = t.substring(5, t.length() - 1);
            List<Object> out = new ArrayList<>();
            for (Object x : (List<Object>) v) out.add(to(x, item));
            return out;
        }
        String item = t.substring(t.indexOf(',') + 1, t.length() - 1);
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) v).entrySet()) out.put(e.getKey(), to(e.getValue(), item));
        return out;
    }

    static Class<?> component(String t) {
        switch (t) {
            case "int": return int.class;
            case "long": return long.class;
            case "double": return double.class;
            case "bool": return boolean.class;
            case "string": return String.class;
        }
        if (t.endsWith("[]")) return Array.newInstance(component(t.substring(0, t.length() - 2)), 0).getClass();
        return t.startsWith("list<") ? List.class : Map.class;
    }
}

class Json {
    private final String s;
    private int i;

    private Json(String s) {
        this.s = s;
    }

    static Object parse(String s) {
        Json p = new Json(s);
        Object v = p.value();
        p.ws();
        if (p.i != s.length()) throw new IllegalArgumentException("JSON: trailing text at " + p.i);
        return v;
    }

    private void ws() {
        while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
    }

    private void expect(char c) {
        ws();
        if (i >= s.length() || s.charAt(i) != c) throw new IllegalArgumentException("JSON: expected " + c + " at " + i);
        i++;
    }

    private boolean next(char c) {
        ws();
        if (i < s.length() && s.charAt(i) == c) {
            i++;
            return true;
        }
        return false;
    }

    private Object value() {
        ws();
        if (i >= s.length()) throw new IllegalArgumentException("JSON: unexpected end");
        char c = s.charAt(i);
        if (c == '{') {
            i++;
            Map<String, Object> m = new LinkedHashMap<>();
            if (next('}')) return m;
            do {
                ws();
                String key = string();
                expect(':');
                m.put(key, value());
            } while (next(','));
            expect('}');
            return m;
        }
        if (c == '[') {
            i++;
            List<Object> l = new ArrayList<>();
            if (next(']')) return l;
            do l.add(value()); while (next(','));
            expect(']');
            return l;
        }
        if (c == '"') return string();
        if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
        if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
        if (s.startsWith("null", i)) { i += 4; return null; }
        int start = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
        String n = s.substring(start, i);
        if (n.isEmpty()) throw new IllegalArgumentException("JSON: unexpected " + c + " at " + start);
        if (n.indexOf('.') < 0 && n.indexOf('e') < 0 && n.indexOf('E') < 0) return Long.parseLong(n);
        return Double.parseDouble(n);
    }

    private String string() {
        if (s.charAt(i) != '"') throw new IllegalArgumentException("JSON: expected a string at " + i);
        i++;
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = s.charAt(i++);
            if (c == '"') return b.toString();
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = s.charAt(i++);
            switch (e) {
                case 'n': b.append('\n'); break;
                case 't': b.append('\t'); break;
                case 'r': b.append('\r'); break;
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                default: b.append(e);
            }
        }
    }

    static String write(Object v) {
        StringBuilder b = new StringBuilder();
        write(v, b);
        return b.toString();
    }

    @SuppressWarnings("unchecked")
    static void write(Object v, StringBuilder b) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) quote(String.valueOf(d), b); else b.append(d);
        } else if (v instanceof Number) {
            b.append(((Number) v).longValue());
        } else if (v instanceof Map) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<Object, Object> e : ((Map<Object, Object>) v).entrySet()) {
                if (!first) b.append(',');
                first = false;
                quote(String.valueOf(e.getKey()), b);
                b.append(':');
                write(e.getValue(), b);
            }
            b.append('}');
        } else if (Main.seq(v) != null) {
            b.append('[');
            boolean first = true;
            for (Object x : Main.seq(v)) {
                if (!first) b.append(',');
                first = false;
                write(x, b);
            }
            b.append(']');
        } else {
            quote(v.toString(), b);
        }
    }

    static void quote(String s, StringBuilder b) {
        b.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c == '\n') b.append("\\n");
            else if (c == '\r') b.append("\\r");
            else if (c == '\t') b.append("\\t");
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        b.append('"');
    }
}
"""

for _name in ("Json", "Conv", "Calls"):  # names a candidate's class is unlikely to have
    SOURCE = SOURCE.replace(_name, "Harness" + _name)


def _source(call: str, cases: str) -> str:
    return SOURCE.replace("/*CALL*/", call).replace("/*TESTS*/", cases)
