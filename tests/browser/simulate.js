// The OT client state machine (ot_client.js) against a simulated server, with random local
// edits and random delivery orders: run in the page by tests/browser/test_ot_js.py.
// Returns the server's text, each editor's text, each client's local text and state.
async ({ seed, steps }) => {
  const ot = await import("/static/js/ot.js");
  const { OTClient } = await import("/static/js/ot_client.js");
  let state = seed;
  const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const alphabet = ["a", "b", "\n", "😀", "é", "🎉", "漢"];
  const server = { text: "start 😀\n", revision: 0, log: [] };
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
        editors[k] = applyChanges(editors[k], clients[k].applyServer(message.ops, message.revision).changes);
      }
    }
  };
  for (let i = 0; i < steps; i++) step(Math.floor(rand() * 3), Math.floor(rand() * 3));
  for (let guard = 0; guard < 100000 && (toServer.some((q) => q.length) || toClient.some((q) => q.length)); guard++) {
    for (let k = 0; k < 3; k++) { step(k, 1); step(k, 2); }
  }
  return { server: server.text, editors, locals: clients.map((c) => c.local), states: clients.map((c) => c.state) };
}
