"""The benchmark's own pieces, small and fast: the floor relay's text handling, the raw
WebSocket client's frames, the report's percentiles and profile summary, and one short
measured step against the floor and against the project (so a protocol change that would break
`make bench` fails here first)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bench import floor_server, loadgen, paired, perframe, perrequest
from bench.loadgen import Probe
from bench.profile import summarize
from bench.wsclient import text_frame
from sessions.config import Config
from sessions.web.app import create_app


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
    result = loadgen.percentiles([i * 1_000_000 for i in range(1, 101)])
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


async def _one_step(app: web.Application) -> loadgen.StepResult:
    server = TestServer(app, host=loadgen.HOST)
    await server.start_server()
    port = server.port
    assert port is not None
    try:
        rooms = await loadgen.build_rooms(port, 2, 2, 512, "text", Probe())
        try:
            step = await loadgen.run_step(
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


def _assert_clean(step: loadgen.StepResult) -> None:
    summary: dict[str, Any] = step.to_json()
    assert step.edits > 0, summary
    assert step.expected == 2 * step.edits, summary
    assert step.loss == 0, summary
    assert step.errors == 0, summary
    assert step.bad_acks == 0, summary


def test_the_per_edit_measurement_runs_every_edit_through_both(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.argv", ["perframe", "200"])
    perframe.main()  # asserts itself that every edit reached the document and both readers
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == ["floor", "ours"]
    assert "by stage: guard" in out[1]


def test_perrequest_runs_both_apps_and_checks_every_response(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["perrequest", "50"])
    perrequest.main()  # asserts itself that every request was answered 201
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == ["floor", "ours"]
    assert all("µs per POST" in line for line in out)


def test_paired_windows_alternate_which_server_goes_first() -> None:
    assert paired.order(4) == [(0, 1), (1, 0), (0, 1), (1, 0)]


def test_paired_report_quotes_every_pair_and_the_median_ratio() -> None:
    text = paired.report([(60.0, 50.0), (55.0, 50.0), (75.0, 50.0)], 20.0, 4.0)
    assert "| 1 | 60.0 | 50.0 | 1.20 |" in text
    assert "| 3 | 75.0 | 50.0 | 1.50 |" in text
    assert "Median ratio **1.20** (range 1.10 to 1.50)" in text
    assert "8,000 msg/s" in text
