"""Every language over the real socket: hello-world with stdin, a compile error, a timeout.

Each language's toolchain is a Debian package (docs/languages.md); a missing one skips the
language's tests, or fails them when ``INTERVIEW_TEST_REQUIRE`` names ``lang-<id>`` (CI).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse, WSMsgType
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from sessions.clock import FakeClock
from sessions.config import Config
from sessions.web.app import create_app
from tests.helpers import Json, create_session, join
from tests.needs import need

pytestmark = pytest.mark.timeout(180)
Client = TestClient[Any, Any]
FRAME_SECONDS = 90.0

HELLO: dict[str, str] = {
    "python": 'print("hello " + input())\n',
    "javascript": 'console.log("hello " + require("fs").readFileSync(0, "utf8").trim());\n',
    "typescript": (
        'const fs = require("fs");\nconst name: string = fs.readFileSync(0, "utf8").trim();\n'
        'console.log("hello " + name);\n'
    ),
    "c": (
        "#include <stdio.h>\nint main(void) {\n  char n[64];\n"
        '  if (scanf("%63s", n) != 1) return 1;\n  printf("hello %s\\n", n);\n  return 0;\n}\n'
    ),
    "cpp": (
        "#include <iostream>\n#include <string>\n"
        'int main() { std::string n; std::cin >> n; std::cout << "hello " << n << std::endl; }\n'
    ),
    "go": (
        'package main\n\nimport "fmt"\n\nfunc main() {\n\tvar n string\n\tfmt.Scan(&n)\n'
        '\tfmt.Println("hello " + n)\n}\n'
    ),
    "rust": (
        "use std::io::Read;\nfn main() {\n    let mut s = String::new();\n"
        "    std::io::stdin().read_to_string(&mut s).unwrap();\n"
        '    println!("hello {}", s.trim());\n}\n'
    ),
    "java": (
        "import java.util.Scanner;\n\npublic class Main {\n"
        "    public static void main(String[] args) {\n"
        '        System.out.println("hello " + new Scanner(System.in).next());\n    }\n}\n'
    ),
    "csharp": (
        "using System;\nclass Program {\n"
        '    static void Main() { Console.WriteLine("hello " + Console.ReadLine().Trim()); }\n}\n'
    ),
    "kotlin": 'fun main() {\n    println("hello " + readLine()!!.trim())\n}\n',
    "scala": (
        "object Main {\n  def main(args: Array[String]): Unit =\n"
        '    println("hello " + scala.io.StdIn.readLine().trim)\n}\n'
    ),
    "ruby": 'puts "hello " + STDIN.read.strip\n',
    "php": '<?php\necho "hello " . trim(fgets(STDIN)) . "\\n";\n',
    "shell": 'read -r n\necho "hello $n"\n',
}
COMPILE_ERRORS: dict[str, tuple[str, int]] = {
    "c": ("int main(void) {\n  return missing;\n}\n", 2),
    "cpp": ("int main() {\n  return missing;\n}\n", 2),
    "go": ("package main\n\nfunc main() {\n\treturn missing\n}\n", 4),
    "rust": ('fn main() {\n    let x: i32 = "no";\n}\n', 2),
    "java": (
        'public class Main {\n    public static void main(String[] a) { int x = "no"; }\n}\n',
        2,
    ),
    "csharp": ('class P {\n    static void Main() { int x = "no"; }\n}\n', 2),
    "kotlin": ('fun main() {\n    val x: Int = "no"\n}\n', 2),
    "scala": (
        'object Main {\n  def main(args: Array[String]): Unit = { val x: Int = "no" }\n}\n',
        2,
    ),
    "typescript": ("const a = 1;\nconst b = ;\n", 2),
}
FOREVER: dict[str, str] = {
    "python": "while True:\n    pass\n",
    "javascript": "while (true) {}\n",
    "typescript": "while (true) {}\n",
    "c": "int main(void) { for (;;) {} }\n",
    "cpp": "int main() { volatile int x = 0; for (;;) x++; }\n",
    "go": "package main\n\nfunc main() {\n\tfor {\n\t}\n}\n",
    "rust": "fn main() { loop {} }\n",
    "java": "public class Main { public static void main(String[] a) { while (true) {} } }\n",
    "csharp": "class P { static void Main() { while (true) {} } }\n",
    "kotlin": "fun main() {\n    while (true) {}\n}\n",
    "scala": "object Main { def main(args: Array[String]): Unit = while (true) {} }\n",
    "ruby": "loop {}\n",
    "php": "<?php\nwhile (true) {}\n",
    "shell": "while :; do :; done\n",
}


@pytest.fixture
async def runner(aiohttp_client: AiohttpClient, clock: FakeClock) -> Client:
    config = Config(
        enable_exec=True, exec_timeout_seconds=3.0, exec_cpu_seconds=3, exec_max_concurrent=2
    )
    return await aiohttp_client(create_app(config, clock=clock))


async def receive(ws: ClientWebSocketResponse) -> Json:
    msg = await asyncio.wait_for(ws.receive(), FRAME_SECONDS)
    assert msg.type is WSMsgType.TEXT, f"expected a text frame, got {msg.type}"
    frame: Json = msg.json()
    return frame


async def runnable(client: Client, language: str) -> None:
    body = await (await client.get("/api/languages")).json()
    need(f"lang-{language}", body["runnable"][language], body["reasons"].get(language, ""))


async def run(client: Client, language: str, code: str, **extra: Any) -> tuple[Json, list[Json]]:
    """Run ``code``; the result and every frame before it."""
    await runnable(client, language)
    session = await create_session(client, code=code, language=language)
    ws, _ = await join(client, session, "Cara")
    await ws.send_json({"type": "run-code", **extra})
    seen: list[Json] = []
    while True:
        frame = await receive(ws)
        if frame["type"] == "run-result":
            await ws.close()
            return frame, seen
        seen.append(frame)


def stdout(frames: list[Json]) -> str:
    return "".join(
        f["data"] for f in frames if f["type"] == "run-output" and f["stream"] == "stdout"
    )


@pytest.mark.parametrize("language", sorted(HELLO))
async def test_hello_world_reads_its_stdin_and_prints(runner: Client, language: str):
    result, frames = await run(runner, language, HELLO[language], stdin="Ada\n")
    assert (result["status"], result["exitCode"]) == ("ok", 0), frames
    assert stdout(frames) == "hello Ada\n"
    phases = [f["phase"] for f in frames if f["type"] == "run-phase"]
    if language in COMPILE_ERRORS:
        assert phases in (["compile", "run"], ["run"])
        assert result["compile"]["status"] == "ok"
    else:
        assert phases == [] and "compile" not in result


@pytest.mark.parametrize("language", sorted(COMPILE_ERRORS))
async def test_a_compile_error_is_its_own_status_with_the_line_in_the_candidates_file(
    runner: Client, language: str
):
    code, line = COMPILE_ERRORS[language]
    result, frames = await run(runner, language, code)
    assert result["status"] == "compile-error", frames
    assert result["tests"] is None
    assert [f["phase"] for f in frames if f["type"] == "run-phase"] == ["compile"]
    diagnostics = result["compile"]["diagnostics"]
    assert diagnostics, frames
    assert diagnostics[0]["line"] == line
    assert diagnostics[0]["severity"] == "error"


@pytest.mark.parametrize("language", sorted(FOREVER))
async def test_a_program_that_never_ends_times_out(runner: Client, language: str):
    result, _ = await run(runner, language, FOREVER[language])
    assert result["status"] == "timeout"


async def test_the_same_code_run_twice_compiles_once(runner: Client):
    first, _ = await run(runner, "c", HELLO["c"], stdin="Ada\n")
    second, frames = await run(runner, "c", HELLO["c"], stdin="Bob\n")
    assert (first["compile"]["cached"], second["compile"]["cached"]) == (False, True)
    assert [f["phase"] for f in frames if f["type"] == "run-phase"] == ["run"]
    assert stdout(frames) == "hello Bob\n"


async def test_languages_that_never_run_say_why(runner: Client):
    body = await (await runner.get("/api/languages")).json()
    health = await (await runner.get("/health")).json()
    assert body["runnable"]["swift"] is False
    assert body["reasons"]["swift"] == "no Debian package for swift: it cannot run on this server"
    assert body["reasons"]["plaintext"] == "plain text is not a program"
    assert health["execution"]["reasons"] == body["reasons"]
    for language, why in body["reasons"].items():
        assert body["runnable"][language] is False
        assert why


async def test_stdin_longer_than_the_limit_is_refused(runner: Client):
    session = await create_session(runner, code="print(1)\n")
    ws, _ = await join(runner, session, "Cara")
    await ws.send_json({"type": "run-code", "stdin": "x" * (64 * 1024 + 1), "ref": 1})
    reply = await receive(ws)
    assert (reply["type"], reply["code"]) == ("error", "invalid-message")
    assert reply["message"] == "field 'stdin' must be at most 65536 characters"


PRINT_FOREVER: dict[str, str] = {
    "c": '#include <stdio.h>\nint main(void) { for (;;) puts("spam"); }\n',
    "go": (
        'package main\n\nimport "fmt"\n\nfunc main() {\n\tfor {\n\t\tfmt.Println("spam")\n\t}\n}\n'
    ),
    "rust": 'fn main() { loop { println!("spam"); } }\n',
    "java": (
        "public class Main { public static void main(String[] a) "
        '{ while (true) System.out.println("spam"); } }\n'
    ),
    "ruby": 'loop { puts "spam" }\n',
}
ALLOCATE_4_GIB: dict[str, str] = {
    "c": (
        "#include <stdlib.h>\n#include <string.h>\n#include <stdio.h>\n"
        "int main(void) {\n  size_t n = (size_t)4 << 30;\n  char *p = malloc(n);\n"
        '  if (!p) { fputs("Cannot allocate memory\\n", stderr); return 1; }\n'
        "  memset(p, 1, n);\n  return p[n - 1];\n}\n"
    ),
    "java": (
        "public class Main { public static void main(String[] a) "
        "{ long[] big = new long[512 * 1024 * 1024]; System.out.println(big.length); } }\n"
    ),
    "go": (
        'package main\n\nimport "fmt"\n\nfunc main() {\n\tbig := make([]byte, 4<<30)\n'
        "\tfor i := range big {\n\t\tbig[i] = 1\n\t}\n\tfmt.Println(len(big))\n}\n"
    ),
}


@pytest.mark.parametrize("language", sorted(PRINT_FOREVER))
async def test_a_program_that_prints_forever_is_stopped_at_the_output_cap(
    runner: Client, language: str
):
    result, frames = await run(runner, language, PRINT_FOREVER[language])
    assert result["status"] == "output-limit"
    assert len(stdout(frames)) <= 64 * 1024


@pytest.mark.parametrize("language", sorted(ALLOCATE_4_GIB))
async def test_a_4_gib_allocation_is_a_memory_limit(runner: Client, language: str):
    result, _ = await run(runner, language, ALLOCATE_4_GIB[language])
    assert result["status"] == "memory-limit"
