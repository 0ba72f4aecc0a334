// The seed's design as a benchmark relay: Express for REST, Socket.IO for the room.
//
// What the Node backend this server replaces did, reduced to the subset of the protocol the
// benchmark drives (the same subset as bench/floor_server.py): POST /api/sessions,
// GET /api/sessions/:id, GET /health, and on the socket `join-session` -> `session-state`
// (+ `users-update` to the room) and `code-change` -> `code-update` to the others (encoded
// once per broadcast by Socket.IO's room adapter) and `ack` to the author. Every Socket.IO
// event is named by the frame's type and carries the frame itself (with its "type"), so the
// load generator reads the same JSON objects as from the Python servers. Socket.IO's defaults
// otherwise (no permessage-deflate, 25 s ping interval, 1 MB message limit).
//
// Run: node bench/seed/server.mjs --port 8091 (python -m bench floor starts it so; `npm ci` in
// bench/seed first, which `make bench` does).
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import express from "express";
import { Server } from "socket.io";

const args = process.argv.slice(2);
const argOf = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const host = argOf("--host", "127.0.0.1");
const port = Number(argOf("--port", "8091"));

const token = (n) => randomBytes(n).toString("base64url");
const nowIso = () => new Date().toISOString();
const rooms = new Map();

// The same common-prefix/suffix diff and op apply as sessions/collab/ot.py, so the ops sent
// are the Python servers' ops.
function diff(a, b) {
  if (a === b) return a.length ? [a.length] : [];
  let p = 0;
  const n = Math.min(a.length, b.length);
  while (p < n && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  let s = 0;
  while (s < n - p && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  const ops = [];
  if (p) ops.push(p);
  const inserted = b.slice(p, b.length - s);
  if (inserted) ops.push(inserted);
  const deleted = a.length - p - s;
  if (deleted) ops.push(-deleted);
  if (s) ops.push(s);
  return ops;
}

function apply(text, ops) {
  const out = [];
  let i = 0;
  for (const op of ops) {
    if (typeof op === "string") out.push(op);
    else if (op > 0) {
      out.push(text.slice(i, i + op));
      i += op;
    } else i -= op;
  }
  return out.join("") + text.slice(i);
}

function publicOf(room) {
  return {
    id: room.id,
    name: room.name,
    language: room.language,
    code: room.code,
    revision: room.revision,
    createdAt: room.createdAt,
    updatedAt: room.createdAt,
  };
}

const app = express();
app.use(express.json({ limit: "2mb" }));
app.post("/api/sessions", (req, res) => {
  const body = req.body || {};
  const room = {
    id: token(16),
    token: token(24),
    name: body.name ?? "Untitled interview",
    language: body.language ?? "python",
    code: body.code ?? "",
    revision: 0,
    createdAt: nowIso(),
    members: new Map(),
  };
  rooms.set(room.id, room);
  res.status(201).location(`/api/sessions/${room.id}`);
  res.json({ ...publicOf(room), interviewerToken: room.token });
});
app.get("/api/sessions/:id", (req, res) => {
  const room = rooms.get(req.params.id);
  if (!room) res.status(404).json({ error: { code: "not-found", message: "no such session" } });
  else res.json(publicOf(room));
});
app.get("/health", (req, res) => {
  res.json({ status: "ok", sessions: rooms.size, connections: io.engine.clientsCount });
});

const http = createServer(app);
const io = new Server(http, { maxHttpBufferSize: 1024 * 1024 });

function users(room) {
  return [...room.members.values()].map((m) => m.user);
}

function leave(socket, me) {
  const room = rooms.get(me.roomId);
  if (!room || !room.members.delete(socket.id)) return;
  const list = users(room);
  io.to(room.id).emit("users-update", { type: "users-update", users: list, count: list.length });
}

io.on("connection", (socket) => {
  let me = null;
  socket.on("join-session", (frame) => {
    const room = rooms.get(frame?.sessionId);
    if (!room) {
      socket.emit("error", { type: "error", code: "session-not-found", message: "?" });
      return;
    }
    if (me) {
      leave(socket, me);
      socket.leave(me.roomId);
      socket.leave(me.feed);
    }
    const user = {
      userId: "u-" + token(6),
      name: frame.name ?? "?",
      role: frame.role ?? "candidate",
      joinedAt: nowIso(),
    };
    const full = frame.fullCode ?? true;
    me = { roomId: room.id, feed: `${room.id}:${full ? "full" : "lean"}`, user };
    room.members.set(socket.id, me);
    socket.join(room.id);
    socket.join(me.feed);
    const list = users(room);
    socket.emit("session-state", {
      type: "session-state",
      session: publicOf(room),
      users: list,
      you: { userId: user.userId, name: user.name, role: user.role },
      cursors: [],
    });
    socket
      .to(room.id)
      .emit("users-update", { type: "users-update", users: list, count: list.length });
  });
  socket.on("code-change", (frame) => {
    if (!me) return;
    const room = rooms.get(me.roomId);
    let ops;
    if (typeof frame.code === "string") {
      ops = diff(room.code, frame.code);
      room.code = frame.code;
    } else {
      ops = frame.ops;
      room.code = apply(room.code, ops);
    }
    room.revision += 1;
    const update = { type: "code-update", revision: room.revision, ops, userId: me.user.userId };
    socket.to(`${room.id}:full`).emit("code-update", { ...update, code: room.code });
    socket.to(`${room.id}:lean`).emit("code-update", update);
    socket.emit("ack", { type: "ack", revision: room.revision });
  });
  socket.on("ping", () => socket.emit("pong", { type: "pong" }));
  socket.on("disconnect", () => {
    if (me) leave(socket, me);
  });
});

const stop = () => {
  io.close();
  http.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
http.listen(port, host, () => console.log(`seed (Express + Socket.IO) on ${host}:${port}`));
