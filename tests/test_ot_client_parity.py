"""The browser's OT client (``ot_client.js``, under Node) does what the Python one does.

``tests/otclient.py`` is the client the randomized tests drive; the room runs
``sessions/web/static/js/ot_client.js``. Here both are given the same random scripts
(``tests/otscripts.py``: local edits with emoji and combining marks, acks, other people's ops,
rejoins with ``missed``, resets that rebase unconfirmed edits, frames out of order, stray and
stale acks) and must agree after every step on what they sent or refused, their state,
revision, both texts, the op in flight with its op id, the buffer, and where every position
maps between the two texts. The browser's side also applies each change it returns to an
editor's text of its own, which must read as the local text. Each script ends with the client
equal to the server, so the scripts are convergence runs too.

Needs ``node`` (``tests/needs.py``: skipped visibly without it, a failure under ``.ci/run``).
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.needs import need_program
from tests.otscripts import Script, ScriptWriter

REPLAY = Path(__file__).resolve().parent / "interop" / "ot_client_replay.mjs"
SCRIPTS = 300
STEPS = 60
RUN_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def written() -> tuple[list[Script], Counter[str]]:
    """The scripts, and how often they went through each transition."""
    scripts, tally = [], Counter[str]()
    for seed in range(SCRIPTS):
        writer = ScriptWriter(seed)
        scripts.append(writer.write(STEPS))
        tally += writer.tally
    return scripts, tally


def replayed(node: str, scripts: list[Script]) -> list[list[dict[str, Any]]]:
    """Each script's records from the browser's client."""
    done = subprocess.run(
        [node, str(REPLAY)],
        input=json.dumps([script.to_json() for script in scripts]),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    traces: list[list[dict[str, Any]]] = json.loads(done.stdout)
    return traces


def test_the_scripts_reach_every_transition_and_fault(
    written: tuple[list[Script], Counter[str]],
) -> None:
    scripts, tally = written

    assert sum(len(script.events) for script in scripts) > 30 * SCRIPTS
    for kind in ("local", "ack", "op", "missed", "reset", "stale-ack", "op-over-buffer"):
        assert tally[kind] >= 300, (kind, tally)
    for kind in ("ack-by-update", "ack-in-missed", "reset-rebasing", "reset-with-buffer"):
        assert tally[kind] >= 100, (kind, tally)
    for kind in ("ack out of step", "op out of step", "missed out of step"):
        assert tally[kind] >= 30, (kind, tally)


def test_the_browser_client_does_what_the_python_client_does_on_random_scripts(
    written: tuple[list[Script], Counter[str]],
) -> None:
    node = need_program("node")
    scripts, _ = written

    traces = replayed(node, scripts)

    assert len(traces) == len(scripts)
    for seed, (script, trace) in enumerate(zip(scripts, traces, strict=True)):
        expected = json.loads(json.dumps(script.records))
        assert len(trace) == len(expected)
        for step, (got, want) in enumerate(zip(trace, expected, strict=True)):
            assert got == want, (seed, step, script.events[max(0, step - 3) : step + 1])
