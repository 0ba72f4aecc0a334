"""Signalling payloads as browsers make them, for the call tests."""

from __future__ import annotations

from typing import Any


def sdp(*, audio: str = "sendrecv", video: str = "sendrecv") -> str:
    """A browser-like offer with an audio and a video section in the given directions."""
    lines = [
        "v=0",
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1",
        "a=extmap-allow-mixed",
        "a=msid-semantic: WMS stream",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:abcd",
        "a=ice-pwd:aaaaaaaaaaaaaaaaaaaaaaaa",
        "a=ice-options:trickle",
        "a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24"
        ":C2:43:F0:A1:58:D0:A1:2C:19:08",
        "a=setup:actpass",
        "a=mid:0",
        f"a={audio}",
        "a=rtcp-mux",
        "a=rtpmap:111 opus/48000/2",
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97",
        "c=IN IP4 0.0.0.0",
        "a=mid:1",
        f"a={video}",
        "a=rtpmap:96 VP8/90000",
    ]
    return "\r\n".join(lines) + "\r\n"


CANDIDATE = (
    "candidate:3442447574 1 udp 2122260223 192.168.1.20 54321 typ host generation 0 "
    "ufrag abcd network-id 1"
)
MDNS_CANDIDATE = (
    "candidate:1 1 UDP 2122252543 8c6d3d1e-6a0e-4f7a-9ad5-2d3c9e4f0b1a.local 50000 typ host"
)


def offer(to: str, **directions: str) -> dict[str, Any]:
    return {
        "type": "call-signal",
        "to": to,
        "description": {"type": "offer", "sdp": sdp(**directions)},
    }


def answer(to: str, **directions: str) -> dict[str, Any]:
    return {
        "type": "call-signal",
        "to": to,
        "description": {"type": "answer", "sdp": sdp(**directions)},
    }


def candidate(to: str, line: str = CANDIDATE) -> dict[str, Any]:
    return {
        "type": "call-signal",
        "to": to,
        "candidate": {
            "candidate": line,
            "sdpMid": "0",
            "sdpMLineIndex": 0,
            "usernameFragment": "abcd",
        },
    }
