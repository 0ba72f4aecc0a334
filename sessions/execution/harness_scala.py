# ruff: noqa: E501 (the Scala source below keeps its own line lengths)
"""The Scala harness: ``harness.scala`` compiled with the candidate's ``object Solution``.

It reads ``job.json`` with a small JSON reader of its own, converts each test's arguments
to the declared types at run time (``int[]`` is an ``Array[Int]``, ``list<int>`` a
``List[Int]``, ``map<string,int>`` a ``Map[String, Int]``), calls the method through one
generated line and writes what it returned as JSON on the results descriptor. A design
problem's ``object Tests`` has each ``def testX()`` called through generated calls;
``Check.that`` and ``Check.equal`` are its helpers.
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

TESTS_FILE = "tests.scala"
MAIN = "HarnessMain"
TEST_PATTERN = re.compile(r"\bdef\s+(test\w*)\s*[(:=]")
SCALAR = {"int": "Int", "long": "Long", "double": "Double", "bool": "Boolean", "string": "String"}


def scala_type(kind: Type) -> str:
    """The Scala type of ``kind`` (``Array[Int]``, ``List[Long]``, ``Map[String, Int]``)."""
    if kind.item is None:
        return SCALAR[kind.kind]
    if kind.kind == "array":
        return f"Array[{scala_type(kind.item)}]"
    if kind.kind == "list":
        return f"List[{scala_type(kind.item)}]"
    return f"Map[String, {scala_type(kind.item)}]"


def build(spec: LanguageSpec, code: str, problem: Problem) -> Job | None:
    """Calls of ``Solution.twoSum``, or the test file's ``Tests.test`` methods."""
    name = spec.source_name
    plan = call_plan(problem, spec.id)
    if plan is not None and plan.signature is not None:
        owner = plan.entry.rsplit(".", 1)[0] if "." in plan.entry else "Solution"
        args = ", ".join(
            f"a({i}).asInstanceOf[{scala_type(p.type)}]"
            for i, p in enumerate(plan.signature.params)
        )
        source = _source(f"{owner}.{plan.function}({args})", "")
        files = {name: code, spec.harness_name: source}
        sources: tuple[str, ...] = (name, spec.harness_name)
        return function_job(files, plan, script=name, main=MAIN, sources=sources, candidate=name)
    text = test_file(problem, spec.id)
    if text is None:
        return None
    names = test_names(text, TEST_PATTERN)
    cases = "".join(f'      case "{n}" => Tests.{n}()\n' for n in names)
    files = {name: code, TESTS_FILE: text, spec.harness_name: _source("null", cases)}
    sources = (name, TESTS_FILE, spec.harness_name)
    return tests_job(files, names, script=name, main=MAIN, sources=sources, candidate=name)


def _source(call: str, cases: str) -> str:
    return SOURCE.replace("/*CALL*/", call).replace("/*TESTS*/", cases)


SOURCE = r"""
import java.io.FileOutputStream

object Check {
  def that(cond: Boolean, message: String = "check failed"): Unit =
    if (!cond) throw new AssertionError(message)

  def equal(actual: Any, expected: Any): Unit =
    if (!HarnessMain.same(actual, expected))
      throw new AssertionError("expected " + HarnessJson.write(expected) + " but got " + HarnessJson.write(actual))
}

object HarnessMain {
  private var results: FileOutputStream = null

  private def emit(json: String): Unit = {
    results.write((json + "\n").getBytes("UTF-8"))
    results.flush()
  }

  private def call(a: Array[Any]): Any = {
    /*CALL*/
  }

  private def test(name: String): Unit = name match {
/*TESTS*/
    case _ => throw new IllegalStateException("no test " + name)
  }

  def main(args: Array[String]): Unit = {
    results = new FileOutputStream("/proc/self/fd/" + args(0))
    val source = scala.io.Source.fromFile(new java.io.File(args(1), "job.json"), "UTF-8")
    val job = try new HarnessJson(source.mkString).parse().asInstanceOf[Map[String, Any]] finally source.close()
    if (job("mode") == "calls") runCalls(job) else runTests(job)
    System.out.flush()
    System.exit(0)
  }

  private def runCalls(job: Map[String, Any]): Unit = {
    val inputs = job("inputs").asInstanceOf[List[List[Any]]]
    val params = job("signature").asInstanceOf[Map[String, Any]]("params").asInstanceOf[List[Map[String, Any]]]
    for ((given, i) <- inputs.zipWithIndex) {
      var actual = "null"
      var error: String = null
      try {
        val a: Array[Any] = given.zip(params).map { case (v, p) => HarnessConv.to(v, p("type").asInstanceOf[String]) }.toArray
        actual = HarnessJson.write(call(a))
      } catch {
        case e: OutOfMemoryError =>
          emit("{\"memory\": true}")
          error = failure(e)
        case e: Throwable => error = failure(e)
      }
      emit("{\"call\": {\"index\": " + i + ", \"actual\": " + actual + ", \"error\": " + HarnessJson.write(error) + "}}")
    }
  }

  private def runTests(job: Map[String, Any]): Unit = {
    for (name <- job("names").asInstanceOf[List[String]]) {
      var error: String = null
      try test(name) catch {
        case e: OutOfMemoryError =>
          emit("{\"memory\": true}")
          error = failure(e)
        case e: Throwable => error = failure(e)
      }
      emit("{\"test\": {\"name\": " + HarnessJson.write(name) + ", \"passed\": " + (error == null) +
        ", \"expected\": null, \"actual\": null, \"error\": " + HarnessJson.write(error) + "}}")
    }
  }

  private def failure(e: Throwable): String = {
    var text = if (e.isInstanceOf[AssertionError] && e.getMessage != null) e.getMessage else e.toString
    val frame = e.getStackTrace.find { f =>
      f.getFileName != null && f.getFileName != "harness.scala" && f.getLineNumber > 0 &&
        !f.getClassName.startsWith("scala.") && !f.getClassName.startsWith("java.")
    }
    frame.foreach(f => text += " (" + f.getFileName + " line " + f.getLineNumber + ")")
    if (text.length > 2000) text.substring(0, 2000) else text
  }

  def seq(v: Any): Option[Seq[Any]] = v match {
    case null => None
    case _: String => None
    case _: scala.collection.Map[_, _] => None
    case _: java.util.Map[_, _] => None
    case x: Iterable[_] => Some(x.toList)
    case x: java.lang.Iterable[_] =>
      val out = scala.collection.mutable.ListBuffer[Any]()
      val it = x.iterator()
      while (it.hasNext) out += it.next()
      Some(out.toList)
    case x: AnyRef if x.getClass.isArray =>
      Some((0 until java.lang.reflect.Array.getLength(x)).map(k => java.lang.reflect.Array.get(x, k)).toList)
    case _ => None
  }

  def same(a: Any, b: Any): Boolean = (a, b) match {
    case (x: java.lang.Number, y: java.lang.Number) =>
      val real = Seq(x, y).exists(n => n.isInstanceOf[java.lang.Double] || n.isInstanceOf[java.lang.Float])
      if (!real) x.longValue == y.longValue
      else {
        val (p, q) = (x.doubleValue, y.doubleValue)
        p == q || math.abs(p - q) <= 1e-9 * math.max(1.0, math.abs(q))
      }
    case (x: scala.collection.Map[_, _], y: scala.collection.Map[_, _]) =>
      val (m, n) = (x.asInstanceOf[scala.collection.Map[Any, Any]], y.asInstanceOf[scala.collection.Map[Any, Any]])
      m.keySet == n.keySet && m.keys.forall(k => same(m(k), n(k)))
    case _ =>
      (seq(a), seq(b)) match {
        case (Some(x), Some(y)) => x.size == y.size && x.zip(y).forall { case (p, q) => same(p, q) }
        case _ => a == b
      }
  }
}

object HarnessConv {
  def to(v: Any, t: String): Any = t match {
    case "int" => v.asInstanceOf[java.lang.Number].intValue
    case "long" => v.asInstanceOf[java.lang.Number].longValue
    case "double" => v.asInstanceOf[java.lang.Number].doubleValue
    case "bool" => v.asInstanceOf[Boolean]
    case "string" => v.asInstanceOf[String]
    case _ if t.endsWith("[]") =>
      val item = t.dropRight(2)
      val list = v.asInstanceOf[List[Any]]
      val out = java.lang.reflect.Array.newInstance(component(item), list.size)
      for ((x, k) <- list.zipWithIndex) java.lang.reflect.Array.set(out, k, to(x, item).asInstanceOf[AnyRef])
      out
    case _ if t.startsWith("list<") => v.asInstanceOf[List[Any]].map(to(_, t.substring(5, t.length - 1)))
    case _ =>
      val item = t.substring(t.indexOf(',') + 1, t.length - 1)
      v.asInstanceOf[Map[String, Any]].map { case (k, x) => k -> to(x, item) }
  }

  def component(t: String): Class[_] = t match {
    case "int" => java.lang.Integer.TYPE
    case "long" => java.lang.Long.TYPE
    case "double" => java.lang.Double.TYPE
    case "bool" => java.lang.Boolean.TYPE
    case "string" => classOf[String]
    case _ if t.endsWith("[]") => java.lang.reflect.Array.newInstance(component(t.dropRight(2)), 0).getClass
    case _ if t.startsWith("list<") => classOf[List[_]]
    case _ => classOf[Map[_, _]]
  }
}

class HarnessJson(s: String) {
  private var i = 0

  def parse(): Any = {
    val v = value()
    ws()
    if (i != s.length) throw new IllegalArgumentException("JSON: trailing text at " + i)
    v
  }

  private def ws(): Unit = while (i < s.length && " \t\r\n".indexOf(s.charAt(i)) >= 0) i += 1

  private def expect(c: Char): Unit = {
    ws()
    if (i >= s.length || s.charAt(i) != c) throw new IllegalArgumentException("JSON: expected " + c + " at " + i)
    i += 1
  }

  private def next(c: Char): Boolean = {
    ws()
    if (i < s.length && s.charAt(i) == c) { i += 1; true } else false
  }

  private def value(): Any = {
    ws()
    val c = s.charAt(i)
    if (c == '{') {
      i += 1
      val m = scala.collection.mutable.LinkedHashMap[String, Any]()
      if (!next('}')) {
        do {
          ws()
          val key = str()
          expect(':')
          m(key) = value()
        } while (next(','))
        expect('}')
      }
      m.toMap
    } else if (c == '[') {
      i += 1
      val l = scala.collection.mutable.ListBuffer[Any]()
      if (!next(']')) {
        do l += value() while (next(','))
        expect(']')
      }
      l.toList
    } else if (c == '"') str()
    else if (s.startsWith("true", i)) { i += 4; true }
    else if (s.startsWith("false", i)) { i += 5; false }
    else if (s.startsWith("null", i)) { i += 4; null }
    else {
      val start = i
      while (i < s.length && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i += 1
      val n = s.substring(start, i)
      if (n.isEmpty) throw new IllegalArgumentException("JSON: unexpected " + c + " at " + start)
      if (n.exists(ch => ch == '.' || ch == 'e' || ch == 'E')) n.toDouble else n.toLong
    }
  }

  private def str(): String = {
    if (s.charAt(i) != '"') throw new IllegalArgumentException("JSON: expected a string at " + i)
    i += 1
    val b = new StringBuilder
    var done = false
    while (!done) {
      val c = s.charAt(i)
      i += 1
      if (c == '"') done = true
      else if (c != '\\') b.append(c)
      else {
        val e = s.charAt(i)
        i += 1
        e match {
          case 'n' => b.append('\n')
          case 't' => b.append('\t')
          case 'r' => b.append('\r')
          case 'b' => b.append('\b')
          case 'f' => b.append('\f')
          case 'u' => b.append(Integer.parseInt(s.substring(i, i + 4), 16).toChar); i += 4
          case other => b.append(other)
        }
      }
    }
    b.toString
  }
}

object HarnessJson {
  def write(v: Any): String = {
    val b = new StringBuilder
    write(v, b)
    b.toString
  }

  private def write(v: Any, b: StringBuilder): Unit = v match {
    case null => b.append("null")
    case x: Boolean => b.append(x)
    case x @ (_: Double | _: Float) =>
      val d = x.asInstanceOf[java.lang.Number].doubleValue
      if (d.isNaN || d.isInfinite) quote(d.toString, b) else b.append(d)
    case x: java.lang.Number => b.append(x.longValue)
    case x: scala.collection.Map[_, _] =>
      b.append('{')
      var first = true
      for ((key, value) <- x) {
        if (!first) b.append(',')
        first = false
        quote(String.valueOf(key), b)
        b.append(':')
        write(value, b)
      }
      b.append('}')
    case _ =>
      HarnessMain.seq(v) match {
        case Some(items) =>
          b.append('[')
          var first = true
          for (x <- items) {
            if (!first) b.append(',')
            first = false
            write(x, b)
          }
          b.append(']')
        case None => quote(v.toString, b)
      }
  }

  private def quote(s: String, b: StringBuilder): Unit = {
    b.append('"')
    for (c <- s) {
      if (c == '"' || c == '\\') b.append('\\').append(c)
      else if (c == '\n') b.append("\\n")
      else if (c == '\r') b.append("\\r")
      else if (c == '\t') b.append("\\t")
      else if (c < ' ') b.append("\\u%04x".format(c.toInt))
      else b.append(c)
    }
    b.append('"')
  }
}
"""
