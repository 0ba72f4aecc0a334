// Replays scripts on the browser's OT client (sessions/web/static/js/ot_client.js) and prints
// what it did after every step, for tests/test_ot_client_parity.py to compare with the Python
// client (tests/otclient.py) on the same scripts. No npm packages: plain Node.
//
//   node ot_client_replay.mjs < scripts.json > traces.json
//
// Input: [{clientId, text, revision, events}], each event one of
//   ["local", ops]                  the person's edit (code points, against the local text)
//   ["ack", revision]               an ack of a code-change
//   ["op", revision, ops, opId]     a code-update
//   ["missed", [[revision, ops, opId], ...]]   a rejoin's session-state with `missed`
//   ["reset", text, revision]       a rejoin's session-state with `"reset": true`
// Output: per script, one record per event (see `record`). The edit is handed over as the
// UTF-16 changes an editor reports, and every change the client returns is applied to an
// editor's text of its own, so the record's `editor` shows what a person would see.

import { readFileSync } from "node:fs";

const js = new URL("../../sessions/web/static/js/", import.meta.url);
const ot = await import(new URL("ot.js", js));
const { OTClient, OutOfStep } = await import(new URL("ot_client.js", js));

function applyChanges(text, changes) {
  let out = text;
  for (const { from, to, insert } of [...changes].reverse()) {
    out = out.slice(0, from) + insert + out.slice(to);
  }
  return out;
}

/** Both ends of a text of `length` and about four positions between (otscripts.probes). */
function probes(length) {
  const out = [];
  for (let i = 0; i < length; i += 1 + Math.floor(length / 5)) out.push(i);
  out.push(length);
  return out;
}

/** What the Python side records after each step, in the same shape. */
function record(client, editor, sent, error) {
  const { local, server } = client;
  return {
    sent: sent === null ? null : [sent.revision, sent.ops, sent.opId],
    error,
    state: client.state,
    revision: client.revision,
    text: local,
    server,
    editor,
    inflight: client.inflight === null ? null : [client.inflight.ops, client.inflight.opId],
    buffer: client.buffer,
    toLocal: probes(ot.cpLength(server)).map((cp) => ot.cpIndex(local, client.toLocalPosition(cp))),
    toServer: probes(ot.cpLength(local)).map((cp) => client.toServerPosition(ot.utf16Index(local, cp))),
  };
}

function replay({ clientId, text, revision, events }) {
  const client = new OTClient({ opPrefix: clientId, revision, text, historyId: "h0" });
  let editor = text;
  const step = (event, k) => {
    const [kind, ...args] = event;
    if (kind === "local") {
      const changes = ot.toChanges(client.local, args[0]);
      editor = applyChanges(editor, changes);
      return client.applyLocal(changes);
    }
    if (kind === "ack") return client.serverAck(args[0]);
    if (kind === "op") {
      const { changes, send } = client.applyServer(args[1], args[0], args[2]);
      editor = applyChanges(editor, changes);
      return send;
    }
    if (kind === "missed") {
      const entries = args[0].map(([rev, ops, opId]) => ({ revision: rev, ops, opId }));
      const { changes, send } = client.applyMissed(entries);
      for (const part of changes) {
        if (part.before !== editor) throw new Error(`changes for ${part.before}, editor has ${editor}`);
        editor = applyChanges(editor, part.changes);
      }
      return send;
    }
    if (kind === "reset") {
      const reset = client.reset({ text: args[0], revision: args[1], historyId: `h${k}` });
      editor = reset.text;
      return reset.send;
    }
    throw new Error(`unknown event ${kind}`);
  };
  return events.map((event, k) => {
    let sent = null;
    let error = null;
    try {
      sent = step(event, k);
    } catch (caught) {
      if (!(caught instanceof OutOfStep)) throw caught;
      error = caught.message;
    }
    return record(client, editor, sent, error);
  });
}

const scripts = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(scripts.map(replay)));
