// The call's tiles: one per member, with their video (or their name when there is none),
// whether they are muted or have the camera off, and whether they are speaking (a WebAudio
// analyser on their audio). No signalling here; call.js drives it.

import { h } from "./dom.js";

const SPEAKING_LEVEL = 0.02; // RMS of the waveform, 0..1
const SAMPLE_MS = 150;

export class CallView {
  constructor({ list }) {
    this.list = list;
    this.tiles = new Map(); // userId -> { li, video, state, meter }
    this.audio = null;
    this.timer = null;
  }

  /** Show or update `member`'s tile ({userId, name, muted, cameraOff, listenOnly}). */
  show(member, { self = false } = {}) {
    let tile = this.tiles.get(member.userId);
    if (!tile) {
      const video = h("video", { autoplay: true, playsinline: true, "aria-hidden": "true" });
      video.muted = self; // never play one's own voice back
      const name = h("span", { class: "tile-name" });
      const state = h("span", { class: "tile-state" });
      const li = h("li", { class: "tile", "data-user-id": member.userId }, video, h("p", { class: "tile-caption" }, name, state));
      this.list.append(li);
      tile = { li, video, name, state, meter: null };
      this.tiles.set(member.userId, tile);
    }
    tile.name.textContent = self ? `${member.name} (you)` : member.name;
    const notes = [];
    if (member.listenOnly) notes.push("listening");
    else {
      if (member.muted) notes.push("muted");
      if (member.cameraOff) notes.push("camera off");
    }
    tile.state.textContent = notes.join(", ");
    tile.li.dataset.muted = String(Boolean(member.muted));
    tile.li.dataset.cameraOff = String(Boolean(member.cameraOff));
  }

  /** `userId`'s media arrived (or changed): play it and listen for speech. */
  attach(userId, stream) {
    const tile = this.tiles.get(userId);
    if (!tile) return;
    if (tile.video.srcObject !== stream) tile.video.srcObject = stream;
    tile.video.play?.().catch(() => {});
    if (tile.meter === null && stream.getAudioTracks().length) tile.meter = this.meter(stream);
    this.sample();
  }

  remove(userId) {
    const tile = this.tiles.get(userId);
    if (!tile) return;
    tile.meter?.source.disconnect();
    tile.video.srcObject = null;
    tile.li.remove();
    this.tiles.delete(userId);
  }

  clear() {
    for (const userId of [...this.tiles.keys()]) this.remove(userId);
    clearInterval(this.timer);
    this.timer = null;
    this.audio?.close();
    this.audio = null;
  }

  meter(stream) {
    if (typeof AudioContext === "undefined") return null;
    this.audio ??= new AudioContext();
    const source = this.audio.createMediaStreamSource(stream);
    const analyser = this.audio.createAnalyser();
    // 8192 samples are ~170 ms at 48 kHz: each check (every SAMPLE_MS) reads all the audio
    // since the last, so a short sound between two checks is not missed.
    analyser.fftSize = 8192;
    source.connect(analyser);
    return { source, analyser, samples: new Float32Array(analyser.fftSize) };
  }

  /** Mark each tile whose audio is above the speaking level (checked a few times a second). */
  sample() {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      this.audio?.resume?.().catch(() => {});
      for (const tile of this.tiles.values()) {
        if (!tile.meter) continue;
        tile.meter.analyser.getFloatTimeDomainData(tile.meter.samples);
        let sum = 0;
        for (const x of tile.meter.samples) sum += x * x;
        const speaking = tile.li.dataset.muted !== "true" && Math.sqrt(sum / tile.meter.samples.length) > SPEAKING_LEVEL;
        tile.li.classList.toggle("speaking", speaking);
        tile.li.dataset.speaking = String(speaking);
      }
    }, SAMPLE_MS);
  }
}
