"""``--event-loop``: uvloop's loop when installed (``auto``) or asked for, asyncio's otherwise;
asking for uvloop without it cannot start."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import uvloop

from sessions.web.eventloop import EventLoopUnavailable, new_event_loop
from tests.test_startup import assert_cannot_start, run_server


def _made(choice: str) -> tuple[type, str]:
    loop, name = new_event_loop(choice)
    try:
        return type(loop), name
    finally:
        loop.close()


def test_auto_runs_on_uvloop_when_it_is_installed() -> None:
    assert _made("auto") == (uvloop.Loop, "uvloop")
    assert _made("uvloop") == (uvloop.Loop, "uvloop")


def test_asyncio_runs_on_asyncios_own_loop_even_with_uvloop_installed() -> None:
    kind, name = _made("asyncio")
    assert name == "asyncio"
    assert issubclass(kind, asyncio.BaseEventLoop)
    assert not issubclass(kind, uvloop.Loop)


def test_auto_falls_back_to_asyncio_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop raises ImportError
    kind, name = _made("auto")
    assert name == "asyncio"
    assert issubclass(kind, asyncio.BaseEventLoop)


def test_uvloop_without_uvloop_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)
    with pytest.raises(EventLoopUnavailable, match=r"^--event-loop uvloop: uvloop is not "):
        new_event_loop("uvloop")


def test_server_with_an_unknown_event_loop_cannot_start() -> None:
    assert_cannot_start(
        run_server("--event-loop", "tokio"),
        "argument --event-loop: must be one of auto, uvloop, asyncio, got tokio",
    )


def test_server_asked_for_uvloop_without_it_cannot_start(tmp_path: Path) -> None:
    blocked = tmp_path / "uvloop"
    blocked.mkdir()
    (blocked / "__init__.py").write_text('raise ImportError("uvloop blocked by the test")\n')
    result = run_server("--event-loop", "uvloop", "--port", "0", env={"PYTHONPATH": str(tmp_path)})
    assert_cannot_start(
        result,
        "--event-loop uvloop: uvloop is not installed (uvloop blocked by the test); install it "
        "with pip install 'interview-server[fast]', or use --event-loop asyncio",
    )
