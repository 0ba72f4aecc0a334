"""Hostile programs in the languages the room runs, over the real socket: a fork bomb, a
file-size bomb and a compile that never ends are each contained and reported with their
status, and another session's pings are answered within a second while they run.

Kotlin and Scala are left out of the fork and file bombs: they run on the same JVM as Java,
under the same rlimits and namespaces (containment is per process tree, not per language),
and each cold compile costs 10-20 s of CI."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from sessions.clock import FakeClock
from sessions.config import Config
from sessions.web.app import create_app
from tests.helpers import Json, create_session, join
from tests.test_languages_ws import receive, runnable, stdout

pytestmark = pytest.mark.timeout(240)
Client = TestClient[Any, Any]
PING_LIMIT_SECONDS = 1.0

FORK_BOMB: dict[str, str] = {
    "c": "#include <unistd.h>\nint main(void) { for (;;) fork(); }\n",
    "cpp": "#include <unistd.h>\nint main() { for (;;) fork(); }\n",
    "go": (
        'package main\n\nimport "os/exec"\n\nfunc main() {\n\tfor {\n'
        '\t\t_ = exec.Command("/proc/self/exe").Start()\n\t}\n}\n'
    ),
    "rust": (
        "fn main() {\n    loop {\n"
        '        let _ = std::process::Command::new("/proc/self/exe").spawn();\n    }\n}\n'
    ),
    "java": (
        "public class Main {\n    public static void main(String[] a) {\n"
        "        while (true) {\n"
        '            try { new ProcessBuilder("/proc/self/exe", "-version").start(); }\n'
        "            catch (Exception e) { }\n        }\n    }\n}\n"
    ),
    "csharp": (
        "using System.Diagnostics;\nclass P {\n    static void Main() {\n"
        "        while (true) {\n"
        '            try { Process.Start(new ProcessStartInfo("/proc/self/exe", "--version")\n'
        "                { UseShellExecute = false, RedirectStandardOutput = true }); }\n"
        "            catch { }\n"
        "        }\n    }\n}\n"
    ),
    "ruby": "loop { fork rescue nil }\n",
    "php": "<?php\nwhile (true) { @proc_open('php -r \"sleep(60);\"', [], $pipes); }\n",
    # The first shell stays (a bare `wait` returns as soon as its one background job has
    # forked its own), so the bomb runs until the wall limit stops everything.
    "shell": "bomb() { bomb | bomb & }\nbomb\nsleep 60\n",
    "typescript": (
        'const { spawn } = require("child_process");\n'
        "for (;;) { try { spawn(process.execPath, ['-e', 'setTimeout(()=>0,60000)']); } "
        "catch (e) {} }\n"
    ),
}

# Each writes 64 MiB in 1 MiB pieces (the file limit is 16 MiB by default) and says so only
# when every write succeeded.
FILE_BOMB: dict[str, str] = {
    "c": (
        "#include <stdio.h>\n#include <string.h>\n#include <signal.h>\n"
        "int main(void) {\n  static char mb[1 << 20];\n  signal(SIGXFSZ, SIG_IGN);\n"
        '  memset(mb, 120, sizeof mb);\n  FILE *f = fopen("big.bin", "wb");\n'
        "  for (int i = 0; i < 64; i++) {\n"
        "    if (fwrite(mb, 1, sizeof mb, f) != sizeof mb || fflush(f) != 0) {\n"
        '      puts("refused");\n      return 0;\n    }\n  }\n'
        '  puts("wrote all");\n  return 0;\n}\n'
    ),
    "go": (
        'package main\n\nimport (\n\t"fmt"\n\t"os"\n\t"os/signal"\n\t"syscall"\n)\n\n'
        "func main() {\n\tsignal.Ignore(syscall.SIGXFSZ)\n"
        '\tf, _ := os.Create("big.bin")\n\tmb := make([]byte, 1<<20)\n'
        "\tfor i := 0; i < 64; i++ {\n\t\tif _, err := f.Write(mb); err != nil {\n"
        '\t\t\tfmt.Println("refused")\n\t\t\treturn\n\t\t}\n\t}\n'
        '\tfmt.Println("wrote all")\n}\n'
    ),
    "rust": (
        "use std::io::Write;\nfn main() {\n"
        '    let mut f = std::fs::File::create("big.bin").unwrap();\n'
        "    let mb = vec![120u8; 1 << 20];\n    for _ in 0..64 {\n"
        '        if f.write_all(&mb).is_err() { println!("refused"); return; }\n    }\n'
        '    println!("wrote all");\n}\n'
    ),
    "java": (
        "import java.io.*;\n\npublic class Main {\n"
        "    public static void main(String[] a) {\n"
        '        try (FileOutputStream f = new FileOutputStream("big.bin")) {\n'
        "            byte[] mb = new byte[1 << 20];\n"
        "            for (int i = 0; i < 64; i++) { f.write(mb); f.flush(); }\n"
        '            System.out.println("wrote all");\n'
        '        } catch (IOException e) { System.out.println("refused"); }\n    }\n}\n'
    ),
    "csharp": (
        "using System;\nusing System.IO;\nclass P {\n    static void Main() {\n"
        "        try {\n"
        '            using (var f = File.Create("big.bin")) {\n'
        "                var mb = new byte[1 << 20];\n"
        "                for (int i = 0; i < 64; i++) { f.Write(mb, 0, mb.Length); f.Flush(); }\n"
        "            }\n"
        '            Console.WriteLine("wrote all");\n'
        '        } catch (IOException) { Console.WriteLine("refused"); }\n    }\n}\n'
    ),
    "ruby": (
        "Signal.trap('XFSZ', 'IGNORE')\nbegin\n  File.open('big.bin', 'wb') do |f|\n"
        "    64.times { f.write('x' * (1 << 20)); f.flush }\n  end\n"
        "  puts 'wrote all'\nrescue SystemCallError\n  puts 'refused'\nend\n"
    ),
    "php": (
        "<?php\n$f = fopen('big.bin', 'wb');\n$mb = str_repeat('x', 1 << 20);\n"
        "for ($i = 0; $i < 64; $i++) {\n"
        '    if (@fwrite($f, $mb) !== strlen($mb)) { echo "refused\\n"; exit(0); }\n'
        '    fflush($f);\n}\necho "wrote all\\n";\n'
    ),
    "shell": (
        "trap '' XFSZ\n"
        "if head -c 67108864 /dev/zero > big.bin 2>/dev/null; then echo 'wrote all'; "
        "else echo refused; fi\n"
    ),
}

# 2^32 tokens from 32 lines of macros: the preprocessor never finishes within the limits.
_MACROS = "".join(f"#define A{i} A{i - 1} A{i - 1}\n" for i in range(1, 33))
COMPILE_BOMB: dict[str, str] = {
    "c": f"#define A0 x\n{_MACROS}int main(void) {{ A32; return 0; }}\n",
    "cpp": f"#define A0 x\n{_MACROS}int main() {{ A32; return 0; }}\n",
}


@pytest.fixture
async def runner(aiohttp_client: AiohttpClient, clock: FakeClock) -> Client:
    config = Config(
        enable_exec=True,
        exec_timeout_seconds=3.0,
        exec_cpu_seconds=3,
        exec_compile_timeout_seconds=6.0,
        exec_compile_cpu_seconds=6,
        exec_max_concurrent=2,
    )
    return await aiohttp_client(create_app(config, clock=clock))


async def _ping_until(ws: ClientWebSocketResponse, done: asyncio.Event) -> float:
    """Ping every 100 ms until ``done``; the slowest answer in seconds."""
    slowest = 0.0
    while not done.is_set():
        sent = time.monotonic()
        await ws.send_json({"type": "ping"})
        while (await receive(ws))["type"] != "pong":
            pass
        slowest = max(slowest, time.monotonic() - sent)
        await asyncio.sleep(0.1)
    return slowest


async def run_beside_a_watcher(client: Client, language: str, code: str) -> tuple[Json, str, float]:
    """Run ``code`` in one session while someone in another session pings: the result, the
    run's stdout, and the slowest pong the other session got meanwhile."""
    await runnable(client, language)
    other, _ = await join(client, await create_session(client), "Otto")
    session = await create_session(client, code=code, language=language)
    ws, _ = await join(client, session, "Cara")
    done = asyncio.Event()
    pinging = asyncio.create_task(_ping_until(other, done))
    await ws.send_json({"type": "run-code"})
    frames: list[Json] = []
    try:
        while (frame := await receive(ws))["type"] != "run-result":
            frames.append(frame)
    finally:
        done.set()
    slowest = await pinging
    await ws.close()
    await other.close()
    return frame, stdout(frames), slowest


@pytest.mark.parametrize("language", sorted(FORK_BOMB))
async def test_a_fork_bomb_is_contained_and_other_sessions_stay_answered(
    runner: Client, language: str
):
    result, _, slowest = await run_beside_a_watcher(runner, language, FORK_BOMB[language])
    # Stopped by a limit, or failed: never "ok". Output is a limit too: a runtime may print a
    # line for every start the process limit refuses.
    assert result["status"] in ("error", "memory-limit", "timeout", "output-limit"), result
    assert slowest < PING_LIMIT_SECONDS
    # The server still runs code afterwards: nothing of the bomb holds a slot.
    after, out, _ = await run_beside_a_watcher(runner, "shell", "echo still here\n")
    assert (after["status"], out) == ("ok", "still here\n")


@pytest.mark.parametrize("language", sorted(FILE_BOMB))
async def test_a_file_bigger_than_the_limit_is_refused(runner: Client, language: str):
    result, out, slowest = await run_beside_a_watcher(runner, language, FILE_BOMB[language])
    assert "wrote all" not in out
    # Refused with an error the program saw (mono also prints its own line about it), or
    # killed by SIGXFSZ where the language does not let the program ignore it.
    refused = result["status"] == "ok" and out.splitlines()[-1:] == ["refused"]
    assert refused or (result["status"], out) == ("error", ""), (result, out)
    assert slowest < PING_LIMIT_SECONDS


@pytest.mark.parametrize("language", sorted(COMPILE_BOMB))
async def test_a_compile_that_never_ends_is_stopped_at_the_compile_limits(
    runner: Client, language: str
):
    result, out, slowest = await run_beside_a_watcher(runner, language, COMPILE_BOMB[language])
    assert result["compile"]["status"] in ("timeout", "memory-limit"), result
    assert result["status"] == result["compile"]["status"]
    assert result["tests"] is None and out == ""
    assert slowest < PING_LIMIT_SECONDS
