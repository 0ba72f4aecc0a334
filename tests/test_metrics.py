"""GET /metrics: Prometheus text with connections, sessions, frames, errors and broadcast time."""

from __future__ import annotations

import gc
from typing import Any

from aiohttp.test_utils import TestClient

from sessions.metrics import Histogram, Metrics
from tests.helpers import create_session, join, receive, request

Client = TestClient[Any, Any]


def test_render_writes_the_exposition_format():
    metrics = Metrics(["ping"])
    metrics.frame_in("ping")
    metrics.frame_in("dance")
    metrics.frames_sent("pong", 1)
    metrics.error("invalid-json")
    metrics.slow_peer_dropped()
    metrics.broadcast_seconds = Histogram((0.001, 0.01))
    metrics.broadcast_seconds.observe(0.0005)
    metrics.broadcast_seconds.observe(0.5)
    text = metrics.render({"interview_connections": ("Open WebSockets.", {"": 2})})
    assert (
        text
        == "\n".join(
            [
                "# HELP interview_connections Open WebSockets.",
                "# TYPE interview_connections gauge",
                "interview_connections 2",
                "# HELP interview_frames_received_total Client frames by type.",
                "# TYPE interview_frames_received_total counter",
                'interview_frames_received_total{type="other"} 1',
                'interview_frames_received_total{type="ping"} 1',
                "# HELP interview_frames_sent_total Server frames queued or written, by type.",
                "# TYPE interview_frames_sent_total counter",
                'interview_frames_sent_total{type="pong"} 1',
                "# HELP interview_errors_total Error frames sent, by code.",
                "# TYPE interview_errors_total counter",
                'interview_errors_total{code="invalid-json"} 1',
                "# HELP interview_slow_peer_drops_total Sockets closed with 1013 for not reading.",
                "# TYPE interview_slow_peer_drops_total counter",
                "interview_slow_peer_drops_total 1",
                "# HELP interview_broadcast_seconds Time to encode a broadcast and hand it to every"
                " recipient.",
                "# TYPE interview_broadcast_seconds histogram",
                'interview_broadcast_seconds_bucket{le="0.001"} 1',
                'interview_broadcast_seconds_bucket{le="0.01"} 1',
                'interview_broadcast_seconds_bucket{le="+Inf"} 2',
                "interview_broadcast_seconds_sum 0.5005",
                "interview_broadcast_seconds_count 2",
            ]
        )
        + "\n"
    )


def sample(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


async def test_metrics_count_real_traffic(client: Client):
    session = await create_session(client)
    a, _ = await join(client, session, "A")
    b, _ = await join(client, session, "B")
    await receive(a)  # users-update
    await request(a, {"type": "code-change", "code": "x"})
    await receive(b)
    await a.send_str("not json")
    assert (await receive(a))["code"] == "invalid-json"
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.content_type == "text/plain"
    text = await response.text()
    assert sample(text, "interview_connections") == 2
    assert sample(text, 'interview_sessions{status="active"}') == 1
    assert sample(text, 'interview_frames_received_total{type="join-session"}') == 2
    assert sample(text, 'interview_frames_received_total{type="code-change"}') == 1
    assert sample(text, 'interview_frames_sent_total{type="ack"}') == 1
    assert sample(text, 'interview_frames_sent_total{type="code-update"}') == 1
    assert sample(text, 'interview_frames_sent_total{type="users-update"}') == 1
    assert sample(text, 'interview_errors_total{code="invalid-json"}') == 1
    assert sample(text, "interview_broadcast_seconds_count") == 2
    assert sample(text, "interview_gc_frozen_objects") == gc.get_freeze_count()
    thresholds = [sample(text, f'interview_gc_threshold{{generation="{n}"}}') for n in range(3)]
    assert thresholds == list(gc.get_threshold())
    full_collections = sample(text, 'interview_gc_collections{generation="2"}')
    assert 0 <= full_collections <= gc.get_stats()[2]["collections"]
