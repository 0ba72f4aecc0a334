"""JSON -> the declared types -> the call -> JSON, in each typed harness (its own JSON reader
and writer): strings with quotes, backslashes, control characters and non-ASCII text, longs
beyond 32 bits, nested long arrays, doubles, booleans, maps of lists. One run per language.
"""

from __future__ import annotations

import asyncio
import os

import pytest

from sessions.execution import probe
from sessions.execution.harness import build_job
from sessions.execution.harness_java import java_type
from sessions.execution.harness_kotlin import kotlin_type
from sessions.execution.harness_scala import scala_type
from sessions.execution.runner import RunSpec, execute
from sessions.execution.spec import MIB, RunLimits, Runtime
from sessions.execution.toolchains import DECLARED
from sessions.interview.problems import parse_problem
from sessions.interview.signature import parse_type
from tests.needs import need

pytestmark = pytest.mark.timeout(300)
TEXT = 'a "quoted" \\ back\nslash\ttab \u00e9\u2192 \u0001'
WEIGHTS = {"w": [0.1, 2.5e-10, -3.0], "empty": []}
BIG = 2**40
SIGNATURE = {
    "function": "pack",
    "params": [
        {"name": "text", "type": "string"},
        {"name": "big", "type": "long[][]"},
        {"name": "weights", "type": "map<string,list<double>>"},
        {"name": "flag", "type": "bool"},
    ],
    "returns": "map<string,list<double>>",
}
EXPECTED = {**WEIGHTS, TEXT: [1.0], "big": [float(BIG)], "flag": [1.0]}
SOLUTIONS = {
    "java": (
        "import java.util.*;\n\nclass Solution {\n"
        "    public Map<String, List<Double>> pack(String text, long[][] big,\n"
        "            Map<String, List<Double>> weights, boolean flag) {\n"
        "        Map<String, List<Double>> out = new HashMap<>(weights);\n"
        "        out.put(text, List.of(1.0));\n"
        '        out.put("big", List.of((double) big[1][0]));\n'
        '        out.put("flag", List.of(flag ? 1.0 : 0.0));\n'
        "        return out;\n    }\n}\n"
    ),
    "csharp": (
        "using System.Collections.Generic;\n\npublic class Solution\n{\n"
        "    public Dictionary<string, List<double>> Pack(string text, long[][] big,\n"
        "        Dictionary<string, List<double>> weights, bool flag)\n    {\n"
        "        var output = new Dictionary<string, List<double>>(weights);\n"
        "        output[text] = new List<double> { 1.0 };\n"
        '        output["big"] = new List<double> { big[1][0] };\n'
        '        output["flag"] = new List<double> { flag ? 1.0 : 0.0 };\n'
        "        return output;\n    }\n}\n"
    ),
    "kotlin": (
        "fun pack(text: String, big: Array<LongArray>, weights: Map<String, List<Double>>,\n"
        "         flag: Boolean): Map<String, List<Double>> =\n"
        '    weights + mapOf(text to listOf(1.0), "big" to listOf(big[1][0].toDouble()),\n'
        '                    "flag" to listOf(if (flag) 1.0 else 0.0))\n'
    ),
    "scala": (
        "object Solution {\n"
        "  def pack(text: String, big: Array[Array[Long]], weights: Map[String, List[Double]],\n"
        "           flag: Boolean): Map[String, List[Double]] =\n"
        '    weights ++ Map(text -> List(1.0), "big" -> List(big(1)(0).toDouble),\n'
        '                   "flag" -> List(if (flag) 1.0 else 0.0))\n}\n'
    ),
    "typescript": (
        "export function pack(text: string, big: number[][],\n"
        "    weights: Record<string, number[]>, flag: boolean): Record<string, number[]> {\n"
        "  return { ...weights, [text]: [1.0], big: [big[1][0]], flag: [flag ? 1 : 0] };\n}\n"
    ),
}
PROBLEM = parse_problem(
    {
        "slug": "pack",
        "title": "Pack",
        "difficulty": "easy",
        "tags": ["conversion"],
        "description": "Round trip.",
        "starterCode": {"python": "", "javascript": "", **dict.fromkeys(SOLUTIONS, "")},
        "signature": SIGNATURE,
        "tests": [
            {"input": [TEXT, [[1], [BIG, -BIG]], WEIGHTS, True], "expected": EXPECTED},
            {"input": [TEXT, [[], [BIG]], WEIGHTS, True], "expected": EXPECTED},
            {"input": [TEXT, [[0], [BIG]], WEIGHTS, False], "expected": EXPECTED},
        ],
    },
    "pack.json",
)


@pytest.mark.parametrize(
    ("text", "java", "kotlin", "scala"),
    [
        ("int", "Integer", "Int", "Int"),
        ("int[]", "int[]", "IntArray", "Array[Int]"),
        ("long[][]", "long[][]", "Array<LongArray>", "Array[Array[Long]]"),
        ("string[]", "String[]", "Array<String>", "Array[String]"),
        ("list<bool>", "java.util.List<Boolean>", "List<Boolean>", "List[Boolean]"),
        ("map<string,double[]>", "java.util.Map<String, double[]>",
         "Map<String, DoubleArray>", "Map[String, Array[Double]]"),
    ],
)  # fmt: skip
def test_each_declared_type_has_its_name_in_each_typed_language(text, java, kotlin, scala):
    kind = parse_type(text)
    assert (java_type(kind), kotlin_type(kind), scala_type(kind)) == (java, kotlin, scala)


@pytest.mark.parametrize("language", sorted(SOLUTIONS))
def test_values_go_through_the_declared_types_and_come_back_as_json(language: str):
    spec = DECLARED[language]
    need(f"lang-{language}", os.path.exists(spec.program), f"{spec.program} is not installed")
    runtime = Runtime(spec, spec.program)
    caps = probe.detect()
    job = build_job(spec, SOLUTIONS[language], PROBLEM)
    limits = RunLimits()
    compile_limits = RunLimits(
        wall_seconds=120, cpu_seconds=120, memory_bytes=1536 * MIB, tmpfs_bytes=256 * MIB
    )
    spec_run = RunSpec(caps.sandbox, runtime, job, limits, compile_limits=compile_limits)
    output: list[str] = []
    result = asyncio.run(execute(spec_run, lambda _s, text: output.append(text), asyncio.Event()))
    assert result.tests is not None, "".join(output)
    assert [t.to_json() for t in result.tests] == [
        {"name": call.name, "passed": i != 2, "expected": EXPECTED,
         "actual": EXPECTED if i != 2 else {**EXPECTED, "flag": [0.0]}, "error": None}
        for i, call in enumerate(job.calls)
    ]  # fmt: skip
