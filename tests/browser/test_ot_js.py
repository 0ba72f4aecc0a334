"""The browser's OT module and client state machine, run in Chromium, against the server's.

``sessions/web/static/js/ot.js`` must give exactly what ``sessions/collab/ot.py`` gives (item for
item, both return normal form) for random documents and operations with characters outside
the BMP, where JavaScript's UTF-16 offsets and the server's code points differ. The client
state machine (``ot_client.js``) is run against a simulated server with random delivery
orders: every editor ends with the server's text.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer

from sessions.collab import ot
from tests.browser.conftest import base_url

CASES = 300
ALPHABET = ["a", "b", "Z", " ", "\n", "😀", "👩\u200d💻", "e\u0301", "漢", "🎉"]

RUN_OT = """async (cases) => {
  const ot = await import("/static/js/ot.js");
  return cases.map(({ doc, a, b, c, index }) => {
    const [aPrime, bPrime] = ot.transform(a, b);
    return {
      transform: [aPrime, bPrime],
      compose: ot.compose(a, c),
      applied: ot.apply(doc, a),
      inverse: ot.invert(a, doc),
      index: ot.transformIndex(index, a),
      diff: ot.diff(doc, ot.apply(doc, b)),
      length: ot.cpLength(doc),
      changes: ot.fromChanges(doc, ot.toChanges(doc, a)),
    };
  });
}"""


def random_text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(size))


def random_op(rng: random.Random, doc: str) -> ot.Operation:
    op: ot.Operation = []
    position = 0
    while position < len(doc) or rng.random() < 0.3:
        choice = rng.random()
        if position < len(doc) and choice < 0.45:
            n = rng.randint(1, len(doc) - position)
            op.append(n)
            position += n
        elif position < len(doc) and choice < 0.7:
            n = rng.randint(1, len(doc) - position)
            op.append(-n)
            position += n
        else:
            op.append(random_text(rng, rng.randint(1, 4)))
        if position >= len(doc) and rng.random() < 0.5:
            break
    return ot.validate(op) if op else []


def cases(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for _ in range(CASES):
        doc = random_text(rng, rng.randint(0, 12))
        a, b = random_op(rng, doc), random_op(rng, doc)
        c = random_op(rng, ot.apply(doc, a))
        out.append({"doc": doc, "a": a, "b": b, "c": c, "index": rng.randint(0, len(doc))})
    return out


def expected(case: dict[str, Any]) -> dict[str, Any]:
    doc, a, b, c = case["doc"], case["a"], case["b"], case["c"]
    return {
        "transform": list(ot.transform(a, b)),
        "compose": ot.compose(a, c),
        "applied": ot.apply(doc, a),
        "inverse": ot.invert(a, doc),
        "index": ot.transform_index(case["index"], a),
        "diff": ot.diff(doc, ot.apply(doc, b)),
        "length": len(doc),
        "changes": a,  # UTF-16 editor changes and back: the same operation
    }


async def test_the_js_ot_module_gives_what_the_servers_gives_on_random_cases(
    browser: Any, server: TestServer
):
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{base_url(server)}/")
    random_cases = cases(seed=20261130)

    results = await page.evaluate(RUN_OT, random_cases)

    assert len(results) == CASES
    for case, got in zip(random_cases, results, strict=True):
        want = json.loads(json.dumps(expected(case)))
        assert got == want, case


SIMULATE = (Path(__file__).resolve().parent / "simulate.js").read_text(encoding="utf-8")


async def test_the_js_client_state_machine_converges_under_random_delivery_orders(
    browser: Any, server: TestServer
):
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{base_url(server)}/")

    for seed in (1, 7, 42):
        result = await page.evaluate(SIMULATE, {"seed": seed, "steps": 600})

        assert result["states"] == ["synchronized"] * 3
        assert result["editors"] == [result["server"]] * 3
        assert result["locals"] == [result["server"]] * 3
        assert len(result["server"]) > len("start 😀\n")


RECONNECT = """async () => {
  const { OTClient } = await import("/static/js/ot_client.js");
  const out = {};
  // A lost ack: the rejoin's missed ops hold our in-flight op (by opId) after someone else's.
  let c = new OTClient({ opPrefix: "t.1", revision: 3, text: "ab😀", historyId: "h1" });
  const first = c.applyLocal([{ from: 4, to: 4, insert: "X" }]);  // after the emoji
  c.applyLocal([{ from: 5, to: 5, insert: "Y" }]);               // buffered
  const { changes, send } = c.applyMissed([
    { revision: 4, ops: ["Z", 3], userId: "u-other", opId: "o:1" },
    { revision: 5, ops: [4, "X"], userId: "u-me", opId: first.opId },
  ]);
  out.lostAck = { first, changes, send, local: c.local, server: c.server, revision: c.revision };
  // Still in flight after the missed ops: resent transformed, with the same opId.
  c = new OTClient({ opPrefix: "t.2", revision: 0, text: "hello", historyId: "h1" });
  const inflight = c.applyLocal([{ from: 5, to: 5, insert: "!" }]);
  const other = { revision: 1, ops: ["> ", 5], userId: "u", opId: null };
  out.resend = { inflight, ...c.applyMissed([other]) };
  // A reset: another history; the unsent edit is re-applied on the server's text.
  c = new OTClient({ opPrefix: "t.3", revision: 9, text: "one two", historyId: "h1" });
  c.applyLocal([{ from: 7, to: 7, insert: " three" }]);
  const reset = c.reset({ text: "zero one two", revision: 2, historyId: "h2" });
  out.reset = { ...reset, historyId: c.historyId, revision: c.revision, state: c.state };
  // An ack for a revision already counted is ignored.
  c = new OTClient({ opPrefix: "t.4", revision: 5, text: "", historyId: "h1" });
  c.applyLocal([{ from: 0, to: 0, insert: "a" }]);
  out.oldAck = { next: c.serverAck(5), state: c.state };
  return out;
}"""


async def test_the_js_client_recognises_its_lost_ack_resends_its_op_and_survives_a_reset(
    browser: Any, server: TestServer
):
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{base_url(server)}/")

    out = await page.evaluate(RECONNECT)

    lost = out["lostAck"]
    assert lost["first"] == {"type": "code-change", "revision": 3, "ops": [3, "X"], "opId": "t.1:1"}
    # Z went in before the in-flight X: the editor gets it at offset 0 (UTF-16).
    assert lost["changes"] == [
        {"before": "ab😀XY", "changes": [{"from": 0, "to": 0, "insert": "Z"}]}
    ]
    # The ack came as a missed entry: the buffer (Y) is sent next, at revision 5, as a new op.
    assert lost["send"] == {"type": "code-change", "revision": 5, "ops": [5, "Y"], "opId": "t.1:2"}
    assert lost["local"] == "Zab😀XY"
    assert lost["server"] == "Zab😀X"
    assert lost["revision"] == 5

    resend = out["resend"]
    assert resend["inflight"]["opId"] == "t.2:1"
    assert resend["send"] == {
        "type": "code-change",
        "revision": 1,
        "ops": [7, "!"],
        "opId": "t.2:1",
    }

    reset = out["reset"]
    assert reset["text"] == "zero one two three"
    assert reset["send"] == {
        "type": "code-change",
        "revision": 2,
        "ops": [12, " three"],
        "opId": "t.3:2",
    }
    assert (reset["historyId"], reset["revision"], reset["state"]) == ("h2", 2, "awaiting-confirm")

    assert out["oldAck"] == {"next": None, "state": "awaiting-confirm"}
