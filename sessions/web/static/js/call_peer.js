// One RTCPeerConnection to one other member of the call, negotiated with the "perfect
// negotiation" pattern of WebRTC 1.0 (§10.7): both sides run the same code; on an offer
// collision the impolite side ignores the other's offer and the polite side rolls back its
// own (setRemoteDescription does that implicitly). The member who joins the call makes the
// offers, so a collision is rare; the pattern makes it harmless when it happens.
//
// No DOM here: `onTrack(stream)` hands the remote media to the view, `send(payload)` hands a
// `{description}` or `{candidate}` to the socket (as a call-signal to this peer).

export class CallPeer {
  /** `polite`: this side yields on a collision; `localStream`: null when listen-only. */
  constructor({ userId, polite, config, localStream, send, onTrack, onState }) {
    this.userId = userId;
    this.polite = polite;
    this.localStream = localStream;
    this.send = send;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.queue = Promise.resolve();
    this.remoteStream = new MediaStream();
    const pc = new RTCPeerConnection(config);
    this.pc = pc;
    pc.ontrack = ({ track }) => {
      this.remoteStream.addTrack(track);
      onTrack(this.remoteStream);
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.send({ candidate: candidate.toJSON() });
    };
    pc.onnegotiationneeded = async () => {
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        this.send({ description: pc.localDescription.toJSON() });
      } catch (error) {
        console.warn("call: could not make an offer", error);
      } finally {
        this.makingOffer = false;
      }
    };
    pc.onconnectionstatechange = () => onState(pc.connectionState);
  }

  /** Offer to this peer: our tracks (or receive-only sections when we only listen). */
  start() {
    for (const kind of ["audio", "video"]) {
      const track = this.localStream?.getTracks().find((t) => t.kind === kind);
      if (track) this.pc.addTransceiver(track, { direction: "sendrecv", streams: [this.localStream] });
      else this.pc.addTransceiver(kind, { direction: "recvonly" });
    }
  }

  /** A `{description}` or `{candidate}` from this peer; handled one at a time, in order. */
  receive(signal) {
    this.queue = this.queue
      .then(() => this.handle(signal))
      .catch((error) => console.warn("call: signalling failed", error));
  }

  async handle({ description, candidate }) {
    const pc = this.pc;
    if (description) {
      const collision = description.type === "offer" && (this.makingOffer || pc.signalingState !== "stable");
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      await pc.setRemoteDescription(description);
      if (description.type === "offer") {
        await this.attachLocal();
        await pc.setLocalDescription();
        this.send({ description: pc.localDescription.toJSON() });
      }
    } else if (candidate) {
      try {
        await pc.addIceCandidate(candidate);
      } catch (error) {
        if (!this.ignoreOffer) throw error;
      }
    }
  }

  /** Answering: send our tracks on the sections the offer made (no second negotiation). */
  async attachLocal() {
    if (this.localStream === null) return;
    for (const track of this.localStream.getTracks()) {
      const transceiver = this.pc.getTransceivers().find(
        (t) => t.receiver.track.kind === track.kind && t.sender.track === null && !t.stopped && t.mid !== null,
      );
      if (!transceiver) continue;
      await transceiver.sender.replaceTrack(track);
      transceiver.sender.setStreams?.(this.localStream);
      transceiver.direction = "sendrecv";
    }
  }

  close() {
    this.pc.close();
    for (const track of this.remoteStream.getTracks()) track.stop();
  }
}
