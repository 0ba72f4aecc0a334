// Randomized simulation of static/js/board_sync.js: two or three clients draw on the same
// elements at once while a model server (the rule of sessions/collab/board.py) reconciles;
// frames are delivered in random interleavings, connections drop with frames in flight and
// come back with board-sync. At the end every client's scene must equal the server's board.
// Usage: node board_sync_sim.mjs SEED  -> prints a JSON report.
import { BoardSync, beats } from "../../sessions/web/static/js/board_sync.js";

let state = Number(process.argv[2] || 1);
const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (list) => list[Math.floor(random() * list.length)];
const copy = (e) => [e.version, e.versionNonce];
const wins = (a, b) => beats(copy(a), b === undefined ? undefined : copy(b));

const server = new Map();
const clients = [];
let sent = 0;

function serverReceive(client, frame) {
  if (frame.type === "board-sync") {
    let elements = [...server.values()];
    let missing = [];
    if (frame.known) {
      elements = elements.filter((e) => String(frame.known[e.id]) !== String(copy(e)));
      missing = Object.keys(frame.known).filter((id) => !server.has(id));
    }
    client.toClient.push({ type: "board-state", whole: !frame.known, elements, missing, ref: frame.ref });
    return;
  }
  const winners = [];
  const stale = [];
  for (const e of frame.elements) {
    const current = server.get(e.id);
    if (wins(e, current)) {
      server.set(e.id, e);
      winners.push(e);
    } else if (String(copy(e)) !== String(copy(current))) stale.push(e.id);
  }
  client.toClient.push({ type: "board-ack", applied: winners.length, stale, ref: frame.ref });
  if (winners.length) for (const other of clients) if (other !== client && other.online) other.toClient.push({ type: "board-update", elements: winners });
}

function makeClient(name) {
  const scene = new Map();
  const client = { name, scene, online: true, toServer: [], toClient: [], timers: [] };
  client.sync = new BoardSync({
    send: (frame) => {
      if (!client.online) return false;
      client.toServer.push(JSON.parse(JSON.stringify(frame)));
      sent += 1;
      return true;
    },
    scene: {
      elements: () => [...scene.values()],
      apply: (remote) => {
        for (const e of remote) if (wins(e, scene.get(e.id))) scene.set(e.id, { ...e });
      },
      busy: () => false,
    },
    schedule: (fn) => client.timers.push(fn),
  });
  return client;
}

function edit(client) {
  const id = `e${Math.floor(random() * 6)}`;
  const current = client.scene.get(id);
  const element = {
    id,
    type: "rectangle",
    version: (current?.version ?? 0) + 1,
    versionNonce: Math.floor(random() * 1000),
    isDeleted: random() < 0.1,
    x: Math.floor(random() * 500),
    y: 0,
  };
  client.scene.set(id, element);
  client.sync.changed();
}

let snapshot = new Map();

function step(client) {
  if (random() < 0.003) {
    // The server is killed and restarts from an older state (a kill -9 losing the last
    // fsync interval): every socket drops; the clients rejoin later.
    server.clear();
    for (const [id, e] of snapshot) server.set(id, e);
    for (const c of clients) {
      c.online = false;
      c.toServer.length = 0;
      c.toClient.length = 0;
    }
    return;
  }
  if (random() < 0.02) snapshot = new Map(server);
  const roll = random();
  if (roll < 0.35) edit(client);
  else if (roll < 0.55 && client.toServer.length) serverReceive(client, client.toServer.shift());
  else if (roll < 0.8 && client.toClient.length) {
    const frame = client.toClient.shift();
    client.sync.receive(frame);
  } else if (roll < 0.9 && client.timers.length) client.timers.shift()();
  else if (roll < 0.93 && client.online) {
    client.online = false; // the connection drops: frames in flight both ways are lost
    client.toServer.length = 0;
    client.toClient.length = 0;
  } else if (!client.online && roll > 0.97) {
    client.online = true;
    client.sync.sync();
  }
}

for (let i = 0; i < 2 + Math.floor(random() * 2); i++) clients.push(makeClient(`c${i}`));
for (const client of clients) client.sync.sync();
for (let i = 0; i < 3000; i++) step(pick(clients));

// A last restart from an older state, then quiesce: everyone back online, every frame and
// timer run, until nothing moves.
for (let i = 0; i < 200; i++) step(pick(clients));
server.clear();
for (const [id, e] of snapshot) server.set(id, e);
for (const c of clients) {
  c.online = false;
  c.toServer.length = 0;
  c.toClient.length = 0;
}
for (const client of clients) {
  if (!client.online) {
    client.online = true;
    client.sync.sync();
  }
}
for (let round = 0; round < 1000; round++) {
  let moved = false;
  for (const client of clients) {
    while (client.toServer.length) { serverReceive(client, client.toServer.shift()); moved = true; }
    while (client.toClient.length) { client.sync.receive(client.toClient.shift()); moved = true; }
    while (client.timers.length) { client.timers.shift()(); moved = true; }
    if (client.sync.flush()) moved = true;
  }
  if (!moved) break;
}
const board = JSON.stringify([...server.values()].sort((a, b) => a.id.localeCompare(b.id)));
const scenes = clients.map((c) => JSON.stringify([...c.scene.values()].sort((a, b) => a.id.localeCompare(b.id))));
console.log(JSON.stringify({ clients: clients.length, elements: server.size, sent, converged: scenes.every((s) => s === board), board, scenes }));
