// The call panel: Call, mute, camera off, hang up, and one CallPeer per other member (a full
// mesh). The server only relays signalling (call-signal frames); media goes between the
// browsers and is never recorded. The microphone and camera are asked for only when the
// person presses Call; a refusal says so here and the rest of the room keeps working.
//
// States: idle -> asking (getUserMedia) -> joining (call-join sent) -> in-call -> idle.

import { byId } from "./dom.js";
import { CallPeer } from "./call_peer.js";
import { CallView } from "./call_view.js";

const DENIED = "The browser did not allow the microphone and camera, so you are not in the call. "
  + "Allow them for this site (the icon in the address bar) and press Call again; the rest of the room keeps working.";
const NO_DEVICE = "No microphone or camera was found, so you are not in the call. The rest of the room keeps working.";
const UNSUPPORTED = "This browser cannot make calls (no WebRTC or no access to media devices on this page).";

export class CallPanel {
  /** `send(frame)` sends a frame with a ref; `listenOnly`: observers hear and see, never send. */
  constructor({ send, listenOnly }) {
    this.send = send;
    this.listenOnly = listenOnly;
    this.state = "idle";
    this.me = null;
    this.members = [];
    this.peers = new Map(); // userId -> CallPeer
    this.config = {};
    this.stream = null;
    this.muted = false;
    this.cameraOff = false;
    this.ended = false;
    this.view = new CallView({ list: byId("call-tiles") });
    this.startButton = byId("call-start");
    this.muteButton = byId("call-mute");
    this.cameraButton = byId("call-camera");
    this.hangupButton = byId("call-hangup");
    if (listenOnly) this.startButton.textContent = "Listen in";
    this.startButton.addEventListener("click", () => this.start());
    this.muteButton.addEventListener("click", () => this.setMedia({ muted: !this.muted }));
    this.cameraButton.addEventListener("click", () => this.setMedia({ cameraOff: !this.cameraOff }));
    this.hangupButton.addEventListener("click", () => this.hangUp());
    this.render();
  }

  /** Every join's reply (`session-state`): this page's userId. A second one is a rejoin
   * after a dropped socket (the same tab keeps its userId, issue 19), and the server took
   * the old socket out of the call when it dropped. */
  joined(me) {
    const rejoin = this.me !== null;
    this.me = me;
    if (rejoin && (this.state === "in-call" || this.state === "joining")) {
      // The server took our old member out of the call when the socket dropped: join again.
      this.closePeers();
      this.state = "joining";
      this.send({ type: "call-join" });
    }
  }

  handle(frame) {
    switch (frame.type) {
      case "call-joined": return this.callJoined(frame);
      case "call-update": return this.update(frame.call);
      case "call-signal": return this.signal(frame);
      default: return undefined;
    }
  }

  async start() {
    if (this.state !== "idle" || this.ended) return;
    this.error("");
    if (typeof RTCPeerConnection === "undefined" || (!this.listenOnly && !navigator.mediaDevices?.getUserMedia)) {
      this.error(UNSUPPORTED);
      return;
    }
    this.state = "asking";
    this.render();
    try {
      this.stream = this.listenOnly ? null : await this.askForMedia();
    } catch (error) {
      this.state = "idle";
      this.error(error?.name === "NotAllowedError" || error?.name === "SecurityError" ? DENIED : NO_DEVICE);
      this.render();
      return;
    }
    this.muted = false;
    this.cameraOff = !this.stream?.getVideoTracks().length;
    this.state = "joining";
    this.render();
    this.send({ type: "call-join" });
  }

  /** Microphone and camera; without a camera, the microphone alone. */
  async askForMedia() {
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    } catch (error) {
      if (error?.name !== "NotFoundError" && error?.name !== "OverconstrainedError") throw error;
      return navigator.mediaDevices.getUserMedia({ audio: true });
    }
  }

  callJoined(frame) {
    if (this.state !== "joining") return;
    this.state = "in-call";
    this.config = { iceServers: frame.iceServers || [], iceTransportPolicy: frame.iceTransportPolicy || "all" };
    this.update(frame.call);
    if (this.stream !== null && (this.muted || this.cameraOff)) this.send({ type: "call-media", muted: this.muted, cameraOff: this.cameraOff });
    // We joined last: we offer to everyone already in the call.
    for (const member of this.members) {
      if (member.userId !== this.me) this.peer(member.userId).start();
    }
  }

  update(call) {
    this.members = call.members || [];
    const present = new Set(this.members.map((m) => m.userId));
    if (this.state === "in-call" && !present.has(this.me)) this.leaveLocally(); // the call ended
    for (const [userId, peer] of this.peers) {
      if (!present.has(userId)) {
        peer.close();
        this.peers.delete(userId);
      }
    }
    for (const userId of this.view.tiles.keys()) {
      if (!present.has(userId) || this.state !== "in-call") this.view.remove(userId);
    }
    if (this.state === "in-call") {
      for (const member of this.members) {
        const self = member.userId === this.me;
        this.view.show(self ? { ...member, muted: this.muted, cameraOff: this.cameraOff } : member, { self });
        if (self && this.stream) this.view.attach(member.userId, this.stream);
      }
    }
    this.render();
  }

  signal(frame) {
    if (this.state !== "in-call") return;
    const { from, description, candidate } = frame;
    this.peer(from).receive(description ? { description } : { candidate });
  }

  peer(userId) {
    let peer = this.peers.get(userId);
    if (!peer) {
      peer = new CallPeer({
        userId,
        polite: this.me > userId,
        config: this.config,
        localStream: this.stream,
        send: (payload) => this.send({ type: "call-signal", to: userId, ...payload }),
        onTrack: (stream) => this.view.attach(userId, stream),
        onState: () => this.render(),
      });
      this.peers.set(userId, peer);
    }
    return peer;
  }

  setMedia({ muted = this.muted, cameraOff = this.cameraOff }) {
    if (this.state !== "in-call" || this.stream === null) return;
    this.muted = muted;
    this.cameraOff = cameraOff || !this.stream.getVideoTracks().length;
    for (const track of this.stream.getAudioTracks()) track.enabled = !this.muted;
    for (const track of this.stream.getVideoTracks()) track.enabled = !this.cameraOff;
    this.send({ type: "call-media", muted: this.muted, cameraOff: this.cameraOff });
    this.update({ members: this.members });
  }

  hangUp() {
    if (this.state !== "in-call" && this.state !== "joining") return;
    this.send({ type: "call-leave" });
    this.leaveLocally();
    this.render();
  }

  /** The interview ended: so did the call; Call stays disabled. */
  setEnded(ended) {
    this.ended = ended;
    if (ended && this.state !== "idle") this.leaveLocally();
    this.render();
  }

  leaveLocally() {
    this.closePeers();
    this.view.clear();
    for (const track of this.stream?.getTracks() || []) track.stop();
    this.stream = null;
    this.state = "idle";
  }

  closePeers() {
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
  }

  error(message) {
    const el = byId("call-error");
    el.textContent = message;
    el.hidden = !message;
  }

  render() {
    const inCall = this.state === "in-call";
    this.startButton.hidden = inCall || this.state === "joining";
    this.startButton.disabled = this.ended || this.state === "asking";
    this.muteButton.hidden = !inCall || this.stream === null;
    this.cameraButton.hidden = !inCall || !this.stream?.getVideoTracks().length;
    this.hangupButton.hidden = !(inCall || this.state === "joining");
    this.muteButton.setAttribute("aria-pressed", String(this.muted));
    this.cameraButton.setAttribute("aria-pressed", String(this.cameraOff));
    const others = this.members.filter((m) => m.userId !== this.me).length;
    const connected = [...this.peers.values()].filter((p) => p.pc.connectionState === "connected").length;
    let status;
    if (this.state === "asking") status = "Asking for the microphone and camera…";
    else if (this.state === "joining") status = "Joining the call…";
    else if (inCall) status = others ? `In the call: ${connected} of ${others} connected.` : "In the call: waiting for others.";
    else if (this.members.length) status = `A call is on (${this.members.length} in it).`;
    else status = "";
    const el = byId("call-status");
    if (el.textContent !== status) el.textContent = status;
    el.dataset.state = this.state;
    el.dataset.connected = String(connected);
  }
}
