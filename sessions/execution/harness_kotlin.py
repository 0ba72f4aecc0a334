# ruff: noqa: E501 (the Kotlin source below keeps its own line lengths)
"""The Kotlin harness: ``harness.kt`` compiled with the candidate's top-level functions.

It reads ``job.json`` with a small JSON reader of its own, converts each test's arguments
to the declared types at run time (``int[]`` is an ``IntArray``, ``int[][]`` an
``Array<IntArray>``, ``list<int>`` a ``List<Int>``), calls the function through one
generated line and writes what it returned as JSON on the results descriptor. A design
problem's top-level ``fun testX()`` are called one by one through generated calls;
``check(cond) { "msg" }`` (stdlib) and ``checkEqual(actual, expected)`` are their helpers.
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
from sessions.execution.spec import LanguageSpec
from sessions.interview.problems import Problem
from sessions.interview.signature import Type

TESTS_FILE = "tests.kt"
MAIN = "HarnessKt"
TEST_PATTERN = re.compile(r"^\s*fun\s+(test\w*)\s*\(", re.M)
SCALAR = {"int": "Int", "long": "Long", "double": "Double", "bool": "Boolean", "string": "String"}
ARRAYS = {"int": "IntArray", "long": "LongArray", "double": "DoubleArray", "bool": "BooleanArray"}


def kotlin_type(kind: Type) -> str:
    """The Kotlin type of ``kind`` (``IntArray``, ``Array<IntArray>``, ``List<Long>``)."""
    if kind.item is None:
        return SCALAR[kind.kind]
    if kind.kind == "array":
        return ARRAYS.get(kind.item.kind, f"Array<{kotlin_type(kind.item)}>")
    if kind.kind == "list":
        return f"List<{kotlin_type(kind.item)}>"
    return f"Map<String, {kotlin_type(kind.item)}>"


def build(spec: LanguageSpec, code: str, problem: Problem) -> Job | None:
    """Calls of the top-level function, or the test file's ``test`` functions."""
    name = spec.source_name
    plan = call_plan(problem, spec.id)
    if plan is not None and plan.signature is not None:
        args = ", ".join(
            f"a[{i}] as {kotlin_type(p.type)}" for i, p in enumerate(plan.signature.params)
        )
        source = _source(f"return {plan.function}({args})", "")
        files = {name: code, spec.harness_name: source}
        sources: tuple[str, ...] = (name, spec.harness_name)
        return function_job(files, plan, script=name, main=MAIN, sources=sources, candidate=name)
    text = test_file(problem, spec.id)
    if text is None:
        return None
    names = test_names(text, TEST_PATTERN)
    cases = "".join(f'        "{n}" -> {n}()\n' for n in names)
    files = {name: code, TESTS_FILE: text, spec.harness_name: _source("return null", cases)}
    sources = (name, TESTS_FILE, spec.harness_name)
    return tests_job(files, names, script=name, main=MAIN, sources=sources, candidate=name)


def _source(call: str, cases: str) -> str:
    return SOURCE.replace("/*CALL*/", call).replace("/*TESTS*/", cases)


SOURCE = r"""
import java.io.File
import java.io.FileOutputStream

private lateinit var harnessResults: FileOutputStream

private fun harnessEmit(json: String) {
    harnessResults.write((json + "\n").toByteArray())
    harnessResults.flush()
}

@Suppress("UNCHECKED_CAST")
private fun harnessCall(a: Array<Any?>): Any? {
    /*CALL*/
}

private fun harnessTest(name: String) {
    when (name) {
/*TESTS*/
        else -> throw IllegalStateException("no test " + name)
    }
}

fun checkEqual(actual: Any?, expected: Any?) {
    if (!harnessSame(actual, expected)) {
        throw AssertionError("expected " + HarnessJson.write(expected) + " but got " + HarnessJson.write(actual))
    }
}

@Suppress("UNCHECKED_CAST")
fun main(args: Array<String>) {
    harnessResults = FileOutputStream("/proc/self/fd/" + args[0])
    val job = HarnessJson(File(args[1], "job.json").readText()).parse() as Map<String, Any?>
    if (job["mode"] == "calls") harnessRunCalls(job) else harnessRunTests(job)
    System.out.flush()
    System.exit(0)
}

@Suppress("UNCHECKED_CAST")
private fun harnessRunCalls(job: Map<String, Any?>) {
    val inputs = job["inputs"] as List<Any?>
    val params = (job["signature"] as Map<String, Any?>)["params"] as List<Map<String, Any?>>
    for (i in inputs.indices) {
        val given = inputs[i] as List<Any?>
        var actual = "null"
        var error: String? = null
        try {
            val a = Array<Any?>(given.size) { j -> HarnessConv.to(given[j], params[j]["type"] as String) }
            actual = HarnessJson.write(harnessCall(a))
        } catch (e: OutOfMemoryError) {
            harnessEmit("{\"memory\": true}")
            error = harnessFailure(e)
        } catch (e: Throwable) {
            error = harnessFailure(e)
        }
        harnessEmit("{\"call\": {\"index\": " + i + ", \"actual\": " + actual + ", \"error\": " + HarnessJson.write(error) + "}}")
    }
}

@Suppress("UNCHECKED_CAST")
private fun harnessRunTests(job: Map<String, Any?>) {
    for (name in job["names"] as List<String>) {
        var error: String? = null
        try {
            harnessTest(name)
        } catch (e: OutOfMemoryError) {
            harnessEmit("{\"memory\": true}")
            error = harnessFailure(e)
        } catch (e: Throwable) {
            error = harnessFailure(e)
        }
        harnessEmit("{\"test\": {\"name\": " + HarnessJson.write(name) + ", \"passed\": " + (error == null) +
            ", \"expected\": null, \"actual\": null, \"error\": " + HarnessJson.write(error) + "}}")
    }
}

private fun harnessFailure(e: Throwable): String {
    val plain = (e is AssertionError || e is IllegalStateException) && e.message != null
    var text = if (plain) e.message!! else e.toString()
    for (frame in e.stackTrace) {
        val file = frame.fileName
        if (file != null && file != "harness.kt" && frame.lineNumber > 0 && !frame.className.startsWith("java.") && !frame.className.startsWith("kotlin.")) {
            text += " (" + file + " line " + frame.lineNumber + ")"
            break
        }
    }
    return if (text.length > 2000) text.substring(0, 2000) else text
}

@Suppress("UNCHECKED_CAST")
fun harnessSeq(v: Any?): List<Any?>? {
    if (v != null && v.javaClass.isArray) {
        return (0 until java.lang.reflect.Array.getLength(v)).map { java.lang.reflect.Array.get(v, it) }
    }
    if (v is Iterable<*>) return v.toList()
    return null
}

fun harnessSame(a: Any?, b: Any?): Boolean {
    if (a is Number && b is Number) {
        val real = a is Double || a is Float || b is Double || b is Float
        if (!real) return a.toLong() == b.toLong()
        val x = a.toDouble()
        val y = b.toDouble()
        return x == y || Math.abs(x - y) <= 1e-9 * Math.max(1.0, Math.abs(y))
    }
    if (a is Map<*, *> && b is Map<*, *>) {
        return a.keys == b.keys && a.keys.all { harnessSame(a[it], b[it]) }
    }
    val left = harnessSeq(a)
    val right = harnessSeq(b)
    if (left != null && right != null) {
        return left.size == right.size && left.indices.all { harnessSame(left[it], right[it]) }
    }
    return a == b
}

@Suppress("UNCHECKED_CAST")
object HarnessConv {
    fun to(v: Any?, t: String): Any? = when {
        t == "int" -> (v as Number).toInt()
        t == "long" -> (v as Number).toLong()
        t == "double" -> (v as Number).toDouble()
        t == "bool" -> v as Boolean
        t == "string" -> v as String
        t.endsWith("[]") -> {
            val item = t.dropLast(2)
            val list = v as List<Any?>
            val out = java.lang.reflect.Array.newInstance(component(item), list.size)
            list.forEachIndexed { k, x -> java.lang.reflect.Array.set(out, k, to(x, item)) }
            out
        }
        t.startsWith("list<") -> (v as List<Any?>).map { to(it, t.substring(5, t.length - 1)) }
        else -> {
            val item = t.substring(t.indexOf(',') + 1, t.length - 1)
            (v as Map<String, Any?>).mapValues { to(it.value, item) }
        }
    }

    fun component(t: String): Class<*> = when {
        t == "int" -> java.lang.Integer.TYPE
        t == "long" -> java.lang.Long.TYPE
        t == "double" -> java.lang.Double.TYPE
        t == "bool" -> java.lang.Boolean.TYPE
        t == "string" -> String::class.java
        t.endsWith("[]") -> java.lang.reflect.Array.newInstance(component(t.dropLast(2)), 0).javaClass
        t.startsWith("list<") -> List::class.java
        else -> Map::class.java
    }
}

class HarnessJson(private val s: String) {
    private var i = 0

    fun parse(): Any? {
        val v = value()
        ws()
        if (i != s.length) throw IllegalArgumentException("JSON: trailing text at " + i)
        return v
    }

    private fun ws() {
        while (i < s.length && " \t\r\n".indexOf(s[i]) >= 0) i++
    }

    private fun expect(c: Char) {
        ws()
        if (i >= s.length || s[i] != c) throw IllegalArgumentException("JSON: expected " + c + " at " + i)
        i++
    }

    private fun next(c: Char): Boolean {
        ws()
        if (i < s.length && s[i] == c) {
            i++
            return true
        }
        return false
    }

    private fun value(): Any? {
        ws()
        val c = s[i]
        when {
            c == '{' -> {
                i++
                val m = LinkedHashMap<String, Any?>()
                if (next('}')) return m
                do {
                    ws()
                    val key = str()
                    expect(':')
                    m[key] = value()
                } while (next(','))
                expect('}')
                return m
            }
            c == '[' -> {
                i++
                val l = ArrayList<Any?>()
                if (next(']')) return l
                do {
                    l.add(value())
                } while (next(','))
                expect(']')
                return l
            }
            c == '"' -> return str()
            s.startsWith("true", i) -> { i += 4; return true }
            s.startsWith("false", i) -> { i += 5; return false }
            s.startsWith("null", i) -> { i += 4; return null }
        }
        val start = i
        while (i < s.length && "+-0123456789.eE".indexOf(s[i]) >= 0) i++
        val n = s.substring(start, i)
        if (n.isEmpty()) throw IllegalArgumentException("JSON: unexpected " + c + " at " + start)
        if (n.none { it == '.' || it == 'e' || it == 'E' }) return n.toLong()
        return n.toDouble()
    }

    private fun str(): String {
        if (s[i] != '"') throw IllegalArgumentException("JSON: expected a string at " + i)
        i++
        val b = StringBuilder()
        while (true) {
            val c = s[i++]
            if (c == '"') return b.toString()
            if (c != '\\') {
                b.append(c)
                continue
            }
            val e = s[i++]
            when (e) {
                'n' -> b.append('\n')
                't' -> b.append('\t')
                'r' -> b.append('\r')
                'b' -> b.append('\b')
                'f' -> b.append('\u000c')
                'u' -> { b.append(s.substring(i, i + 4).toInt(16).toChar()); i += 4 }
                else -> b.append(e)
            }
        }
    }

    companion object {
        fun write(v: Any?): String {
            val b = StringBuilder()
            write(v, b)
            return b.toString()
        }

        private fun write(v: Any?, b: StringBuilder) {
            when {
                v == null -> b.append("null")
                v is Boolean -> b.append(v)
                v is Double || v is Float -> {
                    val d = (v as Number).toDouble()
                    if (d.isNaN() || d.isInfinite()) quote(d.toString(), b) else b.append(d)
                }
                v is Number -> b.append(v.toLong())
                v is Map<*, *> -> {
                    b.append('{')
                    var first = true
                    for ((key, value) in v) {
                        if (!first) b.append(',')
                        first = false
                        quote(key.toString(), b)
                        b.append(':')
                        write(value, b)
                    }
                    b.append('}')
                }
                harnessSeq(v) != null -> {
                    b.append('[')
                    var first = true
                    for (x in harnessSeq(v)!!) {
                        if (!first) b.append(',')
                        first = false
                        write(x, b)
                    }
                    b.append(']')
                }
                else -> quote(v.toString(), b)
            }
        }

        private fun quote(s: String, b: StringBuilder) {
            b.append('"')
            for (c in s) {
                when {
                    c == '"' || c == '\\' -> b.append('\\').append(c)
                    c == '\n' -> b.append("\\n")
                    c == '\r' -> b.append("\\r")
                    c == '\t' -> b.append("\\t")
                    c < ' ' -> b.append(String.format("\\u%04x", c.toInt()))
                    else -> b.append(c)
                }
            }
            b.append('"')
        }
    }
}
"""
