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


SIMULATE = """async ({ seed, steps }) => {
  const ot = await import("/static/js/ot.js");
  const { OTClient } = await import("/static/js/ot_client.js");
  let state = seed;
  const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const alphabet = ["a", "b", "\\n", "😀", "é", "🎉", "漢"];
  const server = { text: "start 😀\\n", revision: 0, log: [] };
  const clients = [0, 1, 2].map((k) => new OTClient({ opPrefix: `c${k}`, revision: 0, text: server.text }));
  const editors = clients.map(() => server.text);
  const toServer = clients.map(() => []);
  const toClient = clients.map(() => []);
  const applyChanges = (text, changes) => {
    let out = text;
    for (const { from, to, insert } of [...changes].reverse()) out = out.slice(0, from) + insert + out.slice(to);
    return out;
  };
  const boundary = (text) => {  // a random UTF-16 offset that does not split a surrogate pair
    const points = [0];
    let i = 0;
    for (const ch of text) { i += ch.length; points.push(i); }
    return pick(points);
  };
  const step = (k, action) => {
    if (action === 0) {
      const a = boundary(editors[k]);
      const b = rand() < 0.6 ? a : boundary(editors[k]);
      const change = { from: Math.min(a, b), to: Math.max(a, b), insert: rand() < 0.8 ? pick(alphabet) + pick(alphabet) : "" };
      if (change.from === change.to && !change.insert) return;
      editors[k] = applyChanges(editors[k], [change]);
      const frame = clients[k].applyLocal([change]);
      if (frame) toServer[k].push(frame);
    } else if (action === 1 && toServer[k].length) {
      const frame = toServer[k].shift();
      let ops = frame.ops;
      for (const logged of server.log.slice(frame.revision)) ops = ot.transform(ops, logged)[0];
      server.text = ot.apply(server.text, ops);
      server.log.push(ops);
      server.revision += 1;
      toClient[k].push({ type: "ack", revision: server.revision });
      clients.forEach((_, j) => { if (j !== k) toClient[j].push({ type: "update", ops, revision: server.revision }); });
    } else if (action === 2 && toClient[k].length) {
      const message = toClient[k].shift();
      if (message.type === "ack") {
        const frame = clients[k].serverAck(message.revision);
        if (frame) toServer[k].push(frame);
      } else {
        editors[k] = applyChanges(editors[k], clients[k].applyServer(message.ops, message.revision));
      }
    }
  };
  for (let i = 0; i < steps; i++) step(Math.floor(rand() * 3), Math.floor(rand() * 3));
  for (let guard = 0; guard < 100000 && (toServer.some((q) => q.length) || toClient.some((q) => q.length)); guard++) {
    for (let k = 0; k < 3; k++) { step(k, 1); step(k, 2); }
  }
  return { server: server.text, editors, locals: clients.map((c) => c.local), states: clients.map((c) => c.state) };
}"""


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
