"""The benchmark tool (``python -m bench SCENARIO``), small and fast: its pieces (the raw
WebSocket client's frames, the report's percentiles, the profile summary, one measured step
against the floor relay and against the project), its shape (one entry point listing every
scenario, no import circle), and every scenario run end to end in quick mode with the
smallest load, each printing its table, so that a change that would break a benchmark
fails here first."""

from __future__ import annotations

import ast
import graphlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bench import floor_server, loadgen, paired, perframe
from bench.__main__ import COMMANDS, SCENARIOS
from bench.__main__ import main as bench
from bench.common import FULL, HOST
from bench.loadgen import Probe
from bench.profile import py_spy, summarize
from bench.step import StepResult, percentiles, run_step
from bench.wsclient import text_frame
from sessions.config import Config
from sessions.web.app import create_app
from tests.clusterkit import nginx_or_skip
from tests.needs import need, need_program

ROOT = Path(__file__).resolve().parent.parent
TINY = "rooms=2,readers=2,warmup=0.1"
"""The least load a scenario can run with: two sessions of three users, short warm-up."""


@pytest.mark.parametrize(("size", "header"), [(5, 2), (200, 4), (70_000, 10)])
def test_text_frame_uses_the_zero_mask_and_the_right_length_form(size: int, header: int) -> None:
    payload = b"x" * size
    frame = text_frame(payload)
    assert frame[0] == 0x81
    assert frame[1] & 0x80
    assert frame[header : header + 4] == b"\0\0\0\0"
    assert frame[header + 4 :] == payload


def test_make_document_has_the_exact_size() -> None:
    assert len(loadgen.make_document(2048)) == 2048
    assert len(loadgen.make_document(100 * 1024)) == 100 * 1024


def test_percentiles_in_milliseconds() -> None:
    result = percentiles([i * 1_000_000 for i in range(1, 101)])
    assert result["p50"] == 51.0
    assert result["p99"] == 100.0
    assert result["max"] == 100.0


def test_profile_summary_counts_self_and_inclusive_time(tmp_path: Path) -> None:
    collapsed = tmp_path / "stacks.txt"
    collapsed.write_text(
        "main (server.py:1);handle (sessions/web/ws.py:5);dumps (json/__init__.py:9) 3\n"
        "main (server.py:1);handle (sessions/web/ws.py:5) 1\n"
    )
    profile = summarize(collapsed)
    assert profile.samples == 4
    assert profile.self_share[0] == ("dumps (json/__init__.py)", 75.0)
    assert dict(profile.inclusive_share)["handle (sessions/web/ws.py)"] == 100.0
    assert "| 75.0 | json (stdlib) |" in profile.by_category()


async def _one_step(app: web.Application) -> StepResult:
    server = TestServer(app, host=HOST)
    await server.start_server()
    port = server.port
    assert port is not None
    try:
        rooms = await loadgen.build_rooms(port, 2, 2, 512, "text", Probe())
        try:
            step = await run_step(
                rooms, 20.0, 0.3, lambda: 0.0, lambda: 0, warmup=0.1, drain_timeout=2.0
            )
            assert await loadgen.check_convergence(port, rooms) == []
        finally:
            loadgen.close_rooms(rooms)
    finally:
        await server.close()
    return step


async def test_a_step_against_the_floor_delivers_every_edit() -> None:
    step = await _one_step(floor_server.create_app("stdlib"))
    _assert_clean(step)


async def test_a_step_against_the_project_delivers_every_edit() -> None:
    step = await _one_step(create_app(Config()))
    _assert_clean(step)


def _assert_clean(step: StepResult) -> None:
    summary: dict[str, Any] = step.to_json()
    assert step.edits > 0, summary
    assert step.expected == 2 * step.edits, summary
    assert step.loss == 0, summary
    assert step.errors == 0, summary
    assert step.bad_acks == 0, summary


def test_paired_windows_alternate_which_server_goes_first() -> None:
    assert paired.order(4) == [(0, 1), (1, 0), (0, 1), (1, 0)]


def test_paired_report_quotes_every_pair_and_the_median_ratio() -> None:
    text = paired.report([(60.0, 50.0), (55.0, 50.0), (75.0, 50.0)], FULL, 4.0)
    assert "| 1 | 60.0 | 50.0 | 1.20 |" in text
    assert "| 3 | 75.0 | 50.0 | 1.50 |" in text
    assert "Median ratio **1.20** (range 1.10 to 1.50)" in text
    assert "8,000 msg/s" in text


def test_baseencode_times_a_base_of_this_tree_and_another(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        bench(
            [
                "baseencode",
                "--sessions",
                "2",
                "--events",
                "30",
                "--repeat",
                "1",
                "--before",
                str(ROOT),
            ]
        )
        == 0
    )
    rows = [
        line
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("| ours") or line.startswith("| before")
    ]
    assert [row.split(" | ")[0] for row in rows] == ["| ours", "| before"]
    assert all(float(row.split(" | ")[2]) > 0 for row in rows)  # µs per event, measured


@pytest.mark.parametrize("count", [2, 3, 5])
def test_bisect_rounds_put_every_variant_at_every_position_equally(count: int) -> None:
    from bench.variants import rotated_order

    sides = list(range(count))
    orders = [rotated_order(sides, r) for r in range(2 * count)]
    for position in range(count):
        assert sorted(order[position] for order in orders) == sorted(sides * 2)
    assert orders[0] != orders[1]  # two variants swap from one round to the next


def test_bisect_has_both_durability_modes_each_with_its_own_snapshot_file(
    tmp_path: Path,
) -> None:
    from bench.variants import variants

    argv = dict(variants(tmp_path))
    always = argv["ours --snapshot --snapshot-interval 3600 --durability always"]
    interval = argv["ours --snapshot --snapshot-interval 3600"]
    assert always[always.index("--durability") + 1] == "always"
    assert "--durability" not in interval  # the default, interval
    assert always[always.index("--snapshot-interval") + 1] == "3600"
    snapshots = [
        args[args.index("--snapshot") + 1] for args in argv.values() if "--snapshot" in args
    ]
    assert len(snapshots) == len(set(snapshots))  # no two servers share a journal


def _fixed(us_per_msg: float) -> StepResult:
    cpu_s = us_per_msg * 1000 / 1e6  # 1,000 messages in the window
    return StepResult(2, 2, 1.0, 1.0, 500, 1000, 1000, 1000, {}, cpu_s, 0.0, 0, 0, [], 0, 0)


def test_bisect_pairs_each_round_of_a_variant_with_the_same_round_of_the_first() -> None:
    from bench.bisect import Side, paired_ratios

    first, other = Side("ours", []), Side("ours --snapshot", [])
    first.fixed = [_fixed(50.0), _fixed(80.0), _fixed(40.0)]
    other.fixed = [_fixed(55.0), _fixed(84.0), _fixed(48.0)]
    assert [round(r, 3) for r in paired_ratios(other, first)] == [1.1, 1.05, 1.2]
    assert paired_ratios(first, first) == [1.0, 1.0, 1.0]


def test_bisect_without_domain_answers_a_full_text_change_as_the_floor_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bench.bisect_server import REMOVE
    from sessions.protocol.messages import CodeChange, JoinSession
    from sessions.room import editing, presence
    from sessions.web.keys import STORE

    monkeypatch.setattr(editing, "change_code", editing.change_code)  # restored afterwards
    app = create_app(Config())
    session = app[STORE].create("s", "python", "abc", max_candidates=10)
    peer = perframe.CountingPeer()
    candidate = JoinSession(session.id, "t", "candidate", None, None, True)
    interviewer = JoinSession(session.id, "r", "interviewer", session.interviewer_token, None, True)
    typist, _ = presence.join(session, candidate, peer, 0.0)
    reader, _ = presence.join(session, interviewer, peer, 0.0)
    REMOVE["domain"]()
    change = CodeChange(code="abXc", ops=None, revision=0, op_id="o1", ref=7)
    outcome = editing.change_code(session, typist, change, 1.0)
    assert outcome.reply == {"type": "ack", "revision": 1, "ref": 7}
    [(update, recipients)] = outcome.deliveries
    assert update == {
        "type": "code-update",
        "revision": 1,
        "ops": [2, "X", 1],
        "userId": typist.user_id,
        "opId": "o1",
        "code": "abXc",
    }
    assert recipients == (reader,)
    assert outcome.change is None
    assert (session.document.text, session.document.revision) == ("abc", 0)  # no OT document


def test_tail_names_only_the_collections_a_message_was_in_flight_with() -> None:
    from bench.tail import Collection, met_by

    young = Collection(0, 100, 200, 0)
    middle = Collection(1, 1_000, 3_001_000, 5)
    full = Collection(2, 5_000_000, 25_000_000, 0)
    logged = [young, middle, full]
    assert met_by(logged, 150, 1_500) == [young, middle]
    assert met_by(logged, 150, 1_500, at_least_ms=1.0) == [middle]
    assert met_by(logged, 3_001_000, 5_000_000) == []  # between the two, touching neither
    assert met_by(logged, 24_000_000, 40_000_000) == [full]
    assert full.pause_ms == 20.0


def test_gclog_writes_each_collection_as_a_line_tail_reads(tmp_path: Path) -> None:
    import gc

    from bench.gclog import CollectionLog
    from bench.tail import Collection, read_collections

    path = tmp_path / "gc.log"
    with path.open("w") as out:
        hook = CollectionLog(out)
        gc.callbacks.append(hook)
        try:
            gc.collect(1)
        finally:
            gc.callbacks.remove(hook)
        out.write("2 123")  # a line cut short by the server's stop
    (logged,) = read_collections(path)
    assert isinstance(logged, Collection)
    assert logged.generation == 1
    assert 0 <= logged.start_ns <= logged.end_ns


# --- the tool's shape -----------------------------------------------------------------------


def _bench_imports(path: Path) -> set[str]:
    """The bench modules ``path`` imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module == "bench":
            found |= {f"bench.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return {name for name in found if name.startswith("bench.")}


def test_bench_has_no_import_circle_and_nothing_imports_a_scenario() -> None:
    graph = {f"bench.{path.stem}": _bench_imports(path) for path in (ROOT / "bench").glob("*.py")}
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError on a circle
    scenarios = set(SCENARIOS.values())  # a server (the floor relay) may serve as a library
    assert {
        module: imports & scenarios for module, imports in graph.items() if imports & scenarios
    } == {}


def test_bench_is_the_only_entry_point() -> None:
    mains = [
        path.name
        for path in (ROOT / "bench").glob("*.py")
        if 'if __name__ == "__main__":' in path.read_text()
    ]
    assert mains == ["__main__.py"]


def test_help_lists_every_scenario_with_its_summary(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        bench(["--help"])
    assert exit_.value.code == 0
    listed = capsys.readouterr().out.split("scenarios (docs/benchmarks.md):\n")[1]
    names = [line.split()[0] for line in listed.splitlines() if line.startswith("  ")]
    servers = ["floor-server", "preloaded-server", "bisect-server", "gclog-server"]
    assert names == [*SCENARIOS, *servers]


def test_an_unknown_scenario_is_refused_with_the_list(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        bench(["bogus"])
    assert exit_.value.code == 2
    assert "invalid choice: 'bogus' (choose from 'floor', 'paired'," in capsys.readouterr().err


def test_every_bench_command_in_the_docs_and_makefile_names_a_scenario() -> None:
    shown = "\n".join(
        (ROOT / name).read_text() for name in ("README.md", "docs/benchmarks.md", "Makefile")
    )
    commands = re.findall(r"python -m\s+bench(\S*)\s+([^\s`]+)", shown)
    assert len(commands) > 20
    assert [dotted for dotted, _ in commands if dotted] == []  # no `python -m bench.x` left
    names = {name for _, name in commands}
    assert names - set(COMMANDS) == {"SCENARIO", "--help"}


# --- every scenario, quick and tiny -----------------------------------------------------------


def test_perframe_runs_every_edit_through_both(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench(["perframe", "200"]) == 0  # asserts that every edit reached both readers
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == ["floor", "ours"]
    assert "by stage: guard" in out[1]


def test_perrequest_runs_both_apps_and_checks_every_response(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bench(["perrequest", "50"]) == 0  # asserts that every request was answered 201
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == ["floor", "ours"]
    assert all("µs per POST" in line for line in out)


def _run(*argv: str, within: float = 100.0) -> str:
    """``python -m bench ARGV`` in a process of its own (a scenario pins itself to a core);
    its standard output, after checking it exited 0."""
    done = subprocess.run(
        [sys.executable, "-m", "bench", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=within,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.timeout(120)
def test_floor_quick_prints_every_table_for_both_servers(tmp_path: Path) -> None:
    windows = "moderate_seconds=0.3,fixed_seconds=0.3,sat_steps=1,sat_seconds=0.3"
    small = f"{TINY},{windows},big_rooms=1,big_seconds=0.3,idle_sockets=4"
    out = _run(
        "floor",
        "--quick",
        "--servers",
        "ours,floor-json",
        "--set",
        small,
        "--results",
        str(tmp_path),
    )
    for title in (
        "## Targets (ours against `floor-json` measured in this run)",
        "## (a) moderate: 2 sessions x 3 users",
        "## (b) saturation",
        "## (c) big document: 1 sessions x 3 users",
        "## (d) idle: 4 joined idle sockets",
        "## (e) REST: 1 s per route",
    ):
        assert title in out
    assert "| floor-json | `GET /api/sessions/{id}` |" in out
    assert "## Notes" not in out  # no server failed, warned or diverged
    assert [path.suffix for path in sorted(tmp_path.glob("*.*"))] == [".json", ".md"]


@pytest.mark.timeout(60)
def test_paired_quick_prints_the_pairs_and_the_median(tmp_path: Path) -> None:
    out = _run(
        "paired",
        "--quick",
        "--pairs",
        "1",
        "--seconds",
        "0.3",
        "--set",
        TINY,
        "--results",
        str(tmp_path),
    )
    assert "| pair | ours µs/msg | floor-orjson µs/msg | ours ÷ floor |" in out
    assert "Median ratio **" in out


@pytest.mark.timeout(150)
def test_bisect_quick_prints_a_row_per_variant(tmp_path: Path) -> None:
    out = _run(
        "bisect",
        "--quick",
        "--seconds",
        "0.3",
        "--overload",
        "40",
        "--variants",
        "ours,- metrics,floor",
        "--set",
        TINY,
        "--results",
        str(tmp_path),
        within=140,
    )
    rows = [line.split("|")[1].strip() for line in out.splitlines() if line.startswith("| ")]
    assert rows == ["variant", "ours", "- metrics", "floor"]
    assert "Unclean" not in out


@pytest.mark.timeout(150)
def test_bisect_together_measures_the_variants_at_once_and_prints_their_paired_ratios(
    tmp_path: Path,
) -> None:
    out = _run(
        "bisect",
        "--quick",
        "--together",
        "--rounds",
        "2",
        "--seconds",
        "0.3",
        "--overload",
        "40",
        "--variants",
        "ours,ours --snapshot --unwritten-journal,ours --snapshot --snapshot-interval 3600 "
        "--write-delay 0.01",
        "--set",
        TINY,
        "--results",
        str(tmp_path),
        within=140,
    )
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| ")]
    assert rows[0][-1] == "µs/msg ÷ ours, paired per round (spread) |"
    assert [row[0] for row in rows[1:]] == [
        "| ours",
        "| ours --snapshot --unwritten-journal",
        "| ours --snapshot --snapshot-interval 3600 --write-delay 0.01",
    ]
    assert rows[1][-1] == "1.000 (1.000 to 1.000) |"
    assert "Unclean" not in out


@pytest.mark.timeout(150)
def test_tail_quick_prints_a_row_per_window(tmp_path: Path) -> None:
    out = _run(
        "tail",
        "--quick",
        "--rounds",
        "2",
        "--seconds",
        "0.5",
        "--variants",
        "ours,floor",
        "--set",
        TINY,
        "--results",
        str(tmp_path),
        within=140,
    )
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| ")]
    assert [row[:2] for row in rows[1:]] == [
        ["| ours", "1"],
        ["| ours", "2"],
        ["| floor", "1"],
        ["| floor", "2"],
    ]
    assert all(float(row[3]) > 0 for row in rows[1:])  # the slowest message, measured


def test_tail_refuses_an_unknown_variant(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "tail",
            "--variants",
            "ours,nope",
            "--results",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == "unknown variants: nope"


@pytest.mark.timeout(60)
def test_journalwakes_counts_the_writers_waits_per_record() -> None:
    out = _run("journalwakes", "--records", "200")
    assert re.fullmatch(
        r"this tree: \d+ waits of the writer for 200 appends \([\d.]+ per record\) in [\d.]+ s\n",
        out,
    ), out


@pytest.mark.timeout(420)
def test_instructions_counts_the_floors_message_under_callgrind() -> None:
    need_program("valgrind")
    need_program("valgrind", "callgrind_control")
    argv = ["--variants", "floor", "--rooms", "4", "--seconds", "2", "--rates", "1,4"]
    out = _run("instructions", *argv, within=400)
    assert re.search(r"^\| floor \| -?[\d.]+k \| 1\.00 \| +\|$", out, re.MULTILINE), out


@pytest.mark.timeout(120)
def test_persistence_quick_measures_each_part(tmp_path: Path) -> None:
    out_file = tmp_path / "persistence.json"
    out = _run(
        "persistence", "--quick", "--sessions", "2", "--seconds", "1", "--out", str(out_file)
    )
    parts = [line.split()[0] for line in out.splitlines() if not line.startswith((" ", "}"))]
    assert parts == ["lag", "stall", "always", "loss"]
    results = json.loads(out_file.read_text())
    assert set(results["always"]) == {"off", "interval", "always"}
    assert [len(results["loss"][mode]) for mode in ("interval", "always")] == [1, 1]


@pytest.mark.timeout(60)
def test_cluster_quick_prints_the_proxy_table(tmp_path: Path) -> None:
    nginx_or_skip()
    small = f"{TINY},fixed_seconds=0.3,sat_steps=1,sat_seconds=0.3"
    argv = ["--setups", "direct,nginx-1", "--rounds", "1", "--set", small]
    out = _run("cluster", "--quick", *argv, "--results", str(tmp_path))
    assert out.startswith("| setup | µs CPU / msg at the fixed rate")
    assert [line.split()[1] for line in out.splitlines()[2:4]] == ["direct", "nginx-1"]
    [folder] = tmp_path.glob("cluster-*")
    assert (folder / "nginx-1" / "error.log").read_text() == ""  # workers answered first


@pytest.mark.timeout(60)
def test_exec_quick_prints_a_row_per_level() -> None:
    out = _run("exec", "--quick", "--levels", "rlimits", "--runs", "1", "--long", "2")
    assert "| isolation | run-code → run-started |" in out
    assert [line.split()[1] for line in out.splitlines() if line.startswith("| r")] == ["rlimits"]


@pytest.mark.timeout(90)
def test_browser_quick_reports_typing_and_first_load() -> None:
    need_program("chromium")
    report = json.loads(_run("browser", "--quick", "--keystrokes", "3"))
    assert report["typing"]["keystrokes"] == 3
    assert set(report["first_load"]) == {"cold", "warm"}


@pytest.mark.timeout(120)
def test_replay_quick_measures_opening_and_scrubbing() -> None:
    need_program("chromium")
    report = json.loads(_run("replay", "--quick"))
    assert report["changes"] == 1000
    for run in (report["floor"], report["big"]):
        assert run["openedMs"] > 0
        assert set(run["drag"]) == set(run["random"]) == {"frame", "update"}


@pytest.mark.timeout(90)
def test_profile_quick_samples_each_load(tmp_path: Path) -> None:
    need(
        "py-spy",
        py_spy() is not None,
        "py-spy is not installed (the dev extras install it: make test)",
    )
    out = _run("profile", "--quick", "--seconds", "1", "--results", str(tmp_path))
    assert "### full-text clients, 20 x 3, 2 KB, 20 edits/s" in out
    assert "### op clients, 2 x 3, 100 KB, 50 edits/s" in out
    assert "| self % | function |" in out


@pytest.mark.timeout(120)
def test_call_quick_reports_signalling_cpu_and_the_time_to_media() -> None:
    need_program("chromium")
    report = json.loads(_run("call", "--quick", "--frames", "50", "--calls", "1"))
    signalling = report["signalling"]
    assert signalling["frames"] == 50
    for kind in ("candidate", "offer", "ping"):
        assert signalling[kind]["serverCpuMicrosecondsPerFrame"] > 0
    assert report["connect"]["calls"] == 1
    assert 0 < report["connect"]["medianSeconds"] < 30
