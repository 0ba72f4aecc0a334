"""The browser's OT module and client state machine, run in Chromium, against the server's.

``sessions/web/static/js/ot.js`` must give exactly what ``sessions/ot.py`` gives (item for
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

from sessions import ot
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
