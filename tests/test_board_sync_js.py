"""The room's whiteboard sync (``static/js/board_sync.js``, no DOM) in Node, randomized:
two or three clients draw on the same elements at once against a model of the server's
reconciliation (``tests/js/board_sync_sim.mjs``), with frames delivered in random orders,
connections dropped with frames in flight and the server restarting from an older state (a
kill -9 losing the last fsync interval). Every client must end with the server's board.

Needs ``node`` (``tests/needs.py``: a visible skip without it, a failure under ``.ci/run``).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.needs import need_program

SIMULATION = Path(__file__).resolve().parent / "js" / "board_sync_sim.mjs"


@pytest.mark.parametrize("seed", range(1, 21))
def test_clients_drawing_at_once_through_drops_and_restarts_end_with_the_servers_board(
    seed: int,
):
    node = need_program("node")
    run = subprocess.run(
        [node, str(SIMULATION), str(seed)], capture_output=True, text=True, timeout=60, check=True
    )
    report = json.loads(run.stdout)
    assert report["elements"] > 0 and report["sent"] > 0
    assert report["scenes"] == [report["board"]] * report["clients"]
    assert report["converged"]
