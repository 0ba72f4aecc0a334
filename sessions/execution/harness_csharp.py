# ruff: noqa: E501 (the C# source below keeps its own line lengths)
"""The C# harness: ``harness.cs`` compiled by mcs with the candidate's file (and tests).

It reads ``job.json`` with a small JSON reader of its own, converts each test's arguments to
the signature's declared types (``int[][]``, ``List<int>``, ``Dictionary<string, T>``),
finds the method by reflection (``Solution.TwoSum``: instance or static), calls it and writes
what it returned as JSON on the results descriptor. A design problem's ``public class
Tests`` has each ``public void TestX()`` called on a fresh instance; ``Check.That`` and
``Check.Equal`` are its helpers. Nothing here depends on the signature: the harness is the
same text for every problem (the compile cache shares it).
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

TESTS_FILE = "tests.cs"
TEST_PATTERN = re.compile(r"\bvoid\s+(Test\w*)\s*\(")


def build(spec: LanguageSpec, code: str, problem: Problem) -> Job | None:
    """Calls of the method, or the test file's ``Test`` methods."""
    files = {spec.source_name: code, spec.harness_name: SOURCE}
    name = spec.source_name
    plan = call_plan(problem, spec.id)
    if plan is not None and plan.signature is not None:
        return function_job(files, plan, script=name, candidate=name)
    text = test_file(problem, spec.id)
    if text is None:
        return None
    files[TESTS_FILE] = text
    return tests_job(files, test_names(text, TEST_PATTERN), script=name, candidate=name)


SOURCE = r"""
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Text;

public class CheckFailed : Exception
{
    public CheckFailed(string message) : base(message) { }
}

public static class Check
{
    public static void That(bool cond, string message = "check failed")
    {
        if (!cond) throw new CheckFailed(message);
    }

    public static void Equal(object actual, object expected)
    {
        if (!HarnessMain.Same(actual, expected))
            throw new CheckFailed("expected " + HarnessJson.Write(expected) + " but got " + HarnessJson.Write(actual));
    }
}

public static class HarnessMain
{
    static Stream results;
    const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    static void Emit(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json + "\n");
        results.Write(bytes, 0, bytes.Length);
        results.Flush();
    }

    public static int Main(string[] args)
    {
        results = new FileStream("/proc/self/fd/" + int.Parse(args[0]), FileMode.Open, FileAccess.Write);
        var job = (Dictionary<string, object>) HarnessJson.Parse(File.ReadAllText(Path.Combine(args[1], "job.json")));
        if ((string) job["mode"] == "calls") RunCalls(job); else RunTests(job);
        Console.Out.Flush();
        return 0;
    }

    static Type Find(string name)
    {
        foreach (var type in Assembly.GetExecutingAssembly().GetTypes())
            if (type.Name == name) return type;
        throw new MissingMemberException("no class " + name + " in the code");
    }

    static object Invoke(MethodInfo method, Type type, object[] args)
    {
        object target = method.IsStatic ? null : Activator.CreateInstance(type, true);
        try
        {
            return method.Invoke(target, args);
        }
        catch (TargetInvocationException e)
        {
            throw e.InnerException;
        }
    }

    static void RunCalls(Dictionary<string, object> job)
    {
        var entry = (string) job["entry"];
        var dot = entry.LastIndexOf('.');
        var className = dot < 0 ? "Solution" : entry.Substring(0, dot);
        var function = (string) job["function"];
        var inputs = (List<object>) job["inputs"];
        var parameters = (List<object>) ((Dictionary<string, object>) job["signature"])["params"];
        for (int i = 0; i < inputs.Count; i++)
        {
            var given = (List<object>) inputs[i];
            string actual = "null", error = null;
            try
            {
                var type = Find(className);
                var method = type.GetMethod(function, Any);
                if (method == null) throw new MissingMemberException("no method " + function + " in " + className);
                var a = new object[given.Count];
                for (int j = 0; j < a.Length; j++)
                    a[j] = HarnessConv.To(given[j], (string) ((Dictionary<string, object>) parameters[j])["type"]);
                actual = HarnessJson.Write(Invoke(method, type, a));
            }
            catch (OutOfMemoryException e)
            {
                Emit("{\"memory\": true}");
                error = Failure(e);
            }
            catch (Exception e)
            {
                error = Failure(e);
            }
            Emit("{\"call\": {\"index\": " + i + ", \"actual\": " + actual + ", \"error\": " + HarnessJson.Write(error) + "}}");
        }
    }

    static void RunTests(Dictionary<string, object> job)
    {
        foreach (var item in (List<object>) job["names"])
        {
            var name = (string) item;
            string error = null;
            try
            {
                var type = Find("Tests");
                var method = type.GetMethod(name, Any);
                Invoke(method, type, new object[0]);
            }
            catch (OutOfMemoryException e)
            {
                Emit("{\"memory\": true}");
                error = Failure(e);
            }
            catch (Exception e)
            {
                error = Failure(e);
            }
            Emit("{\"test\": {\"name\": " + HarnessJson.Write(name) + ", \"passed\": " + (error == null ? "true" : "false")
                + ", \"expected\": null, \"actual\": null, \"error\": " + HarnessJson.Write(error) + "}}");
        }
    }

    static string Failure(Exception e)
    {
        var text = e is CheckFailed ? e.Message : e.GetType().FullName + ": " + e.Message;
        return text.Length > 2000 ? text.Substring(0, 2000) : text;
    }

    static bool IsNumber(object o)
    {
        return o is int || o is long || o is short || o is byte || o is uint || o is ulong || o is double || o is float || o is decimal;
    }

    static List<object> Seq(object o)
    {
        if (o == null || o is string || o is IDictionary || !(o is IEnumerable)) return null;
        var list = new List<object>();
        foreach (var x in (IEnumerable) o) list.Add(x);
        return list;
    }

    public static bool Same(object a, object b)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || a is float || a is decimal || b is double || b is float || b is decimal)
            {
                double x = Convert.ToDouble(a), y = Convert.ToDouble(b);
                return x == y || Math.Abs(x - y) <= 1e-9 * Math.Max(1.0, Math.Abs(y));
            }
            return Convert.ToInt64(a) == Convert.ToInt64(b);
        }
        if (a is IDictionary && b is IDictionary)
        {
            var x = (IDictionary) a;
            var y = (IDictionary) b;
            if (x.Count != y.Count) return false;
            foreach (DictionaryEntry e in x)
                if (!y.Contains(e.Key) || !Same(e.Value, y[e.Key])) return false;
            return true;
        }
        var left = Seq(a);
        var right = Seq(b);
        if (left != null && right != null)
        {
            if (left.Count != right.Count) return false;
            for (int k = 0; k < left.Count; k++) if (!Same(left[k], right[k])) return false;
            return true;
        }
        return Equals(a, b);
    }
}

public static class HarnessConv
{
    public static object To(object v, string t)
    {
        switch (t)
        {
            case "int": return Convert.ToInt32(v);
            case "long": return Convert.ToInt64(v);
            case "double": return Convert.ToDouble(v);
            case "bool": return (bool) v;
            case "string": return (string) v;
        }
        if (t.EndsWith("[]"))
        {
            var item = t.Substring(0, t.Length - 2);
            var list = (List<object>) v;
            var array = Array.CreateInstance(Component(item), list.Count);
            for (int k = 0; k < list.Count; k++) array.SetValue(To(list[k], item), k);
            return array;
        }
        if (t.StartsWith("list<"))
        {
            var item = t.Substring(5, t.Length - 6);
            var list = (IList) Activator.CreateInstance(Component(t));
            foreach (var x in (List<object>) v) list.Add(To(x, item));
            return list;
        }
        var value = t.Substring(t.IndexOf(',') + 1, t.Length - t.IndexOf(',') - 2);
        var map = (IDictionary) Activator.CreateInstance(Component(t));
        foreach (var e in (Dictionary<string, object>) v) map[e.Key] = To(e.Value, value);
        return map;
    }

    public static Type Component(string t)
    {
        switch (t)
        {
            case "int": return typeof(int);
            case "long": return typeof(long);
            case "double": return typeof(double);
            case "bool": return typeof(bool);
            case "string": return typeof(string);
        }
        if (t.EndsWith("[]")) return Component(t.Substring(0, t.Length - 2)).MakeArrayType();
        if (t.StartsWith("list<")) return typeof(List<>).MakeGenericType(Component(t.Substring(5, t.Length - 6)));
        var value = t.Substring(t.IndexOf(',') + 1, t.Length - t.IndexOf(',') - 2);
        return typeof(Dictionary<,>).MakeGenericType(typeof(string), Component(value));
    }
}

public class HarnessJson
{
    readonly string s;
    int i;

    HarnessJson(string s) { this.s = s; }

    public static object Parse(string s)
    {
        var p = new HarnessJson(s);
        var v = p.Value();
        p.Ws();
        if (p.i != s.Length) throw new FormatException("JSON: trailing text at " + p.i);
        return v;
    }

    void Ws() { while (i < s.Length && " \t\r\n".IndexOf(s[i]) >= 0) i++; }

    void Expect(char c)
    {
        Ws();
        if (i >= s.Length || s[i] != c) throw new FormatException("JSON: expected " + c + " at " + i);
        i++;
    }

    bool Next(char c)
    {
        Ws();
        if (i < s.Length && s[i] == c) { i++; return true; }
        return false;
    }

    object Value()
    {
        Ws();
        char c = s[i];
        if (c == '{')
        {
            i++;
            var m = new Dictionary<string, object>();
            if (Next('}')) return m;
            do { Ws(); var key = Str(); Expect(':'); m[key] = Value(); } while (Next(','));
            Expect('}');
            return m;
        }
        if (c == '[')
        {
            i++;
            var l = new List<object>();
            if (Next(']')) return l;
            do l.Add(Value()); while (Next(','));
            Expect(']');
            return l;
        }
        if (c == '"') return Str();
        if (string.CompareOrdinal(s, i, "true", 0, 4) == 0) { i += 4; return true; }
        if (string.CompareOrdinal(s, i, "false", 0, 5) == 0) { i += 5; return false; }
        if (string.CompareOrdinal(s, i, "null", 0, 4) == 0) { i += 4; return null; }
        int start = i;
        while (i < s.Length && "+-0123456789.eE".IndexOf(s[i]) >= 0) i++;
        var n = s.Substring(start, i - start);
        if (n.Length == 0) throw new FormatException("JSON: unexpected " + c + " at " + start);
        if (n.IndexOfAny(new[] { '.', 'e', 'E' }) < 0) return long.Parse(n, CultureInfo.InvariantCulture);
        return double.Parse(n, CultureInfo.InvariantCulture);
    }

    string Str()
    {
        if (s[i] != '"') throw new FormatException("JSON: expected a string at " + i);
        i++;
        var b = new StringBuilder();
        while (true)
        {
            char c = s[i++];
            if (c == '"') return b.ToString();
            if (c != '\\') { b.Append(c); continue; }
            char e = s[i++];
            switch (e)
            {
                case 'n': b.Append('\n'); break;
                case 't': b.Append('\t'); break;
                case 'r': b.Append('\r'); break;
                case 'b': b.Append('\b'); break;
                case 'f': b.Append('\f'); break;
                case 'u': b.Append((char) Convert.ToInt32(s.Substring(i, 4), 16)); i += 4; break;
                default: b.Append(e); break;
            }
        }
    }

    public static string Write(object v)
    {
        var b = new StringBuilder();
        Write(v, b);
        return b.ToString();
    }

    static void Write(object v, StringBuilder b)
    {
        if (v == null) b.Append("null");
        else if (v is bool) b.Append((bool) v ? "true" : "false");
        else if (v is string || v is char) Quote(v.ToString(), b);
        else if (v is double || v is float || v is decimal)
        {
            double d = Convert.ToDouble(v);
            if (double.IsNaN(d) || double.IsInfinity(d)) Quote(d.ToString(CultureInfo.InvariantCulture), b);
            else b.Append(d.ToString("R", CultureInfo.InvariantCulture));
        }
        else if (v is int || v is long || v is short || v is byte || v is uint || v is ulong) b.Append(Convert.ToInt64(v).ToString(CultureInfo.InvariantCulture));
        else if (v is IDictionary)
        {
            b.Append('{');
            bool first = true;
            foreach (DictionaryEntry e in (IDictionary) v)
            {
                if (!first) b.Append(',');
                first = false;
                Quote(Convert.ToString(e.Key, CultureInfo.InvariantCulture), b);
                b.Append(':');
                Write(e.Value, b);
            }
            b.Append('}');
        }
        else if (v is IEnumerable)
        {
            b.Append('[');
            bool first = true;
            foreach (var x in (IEnumerable) v)
            {
                if (!first) b.Append(',');
                first = false;
                Write(x, b);
            }
            b.Append(']');
        }
        else Quote(v.ToString(), b);
    }

    static void Quote(string s, StringBuilder b)
    {
        b.Append('"');
        foreach (char c in s)
        {
            if (c == '"' || c == '\\') b.Append('\\').Append(c);
            else if (c == '\n') b.Append("\\n");
            else if (c == '\r') b.Append("\\r");
            else if (c == '\t') b.Append("\\t");
            else if (c < 0x20) b.Append("\\u").Append(((int) c).ToString("x4"));
            else b.Append(c);
        }
        b.Append('"');
    }
}
"""
