"""Signalling payloads (pure): what a description and a candidate must look like, which
descriptions send media, and coturn's REST-API credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest

from sessions.config import Config, ConfigError
from sessions.errors import InvalidSignal
from sessions.ice import IceConfig, turn_credentials
from sessions.protocol.signalling import (
    MAX_CANDIDATE_LENGTH,
    MAX_SDP_LENGTH,
    Candidate,
    Description,
    read_candidate,
    read_description,
    read_signal,
    sends_media,
)
from tests.callkit import CANDIDATE, MDNS_CANDIDATE, sdp


def test_a_browser_offer_is_read_as_it_came():
    text = sdp()
    assert read_description({"type": "offer", "sdp": text}) == Description("offer", text)


def test_a_description_with_bare_newlines_is_accepted():
    assert read_description({"type": "answer", "sdp": sdp().replace("\r\n", "\n")}).kind == "answer"


@pytest.mark.parametrize(
    ("description", "field", "message"),
    [
        ("v=0", "description", "field 'description' must be an object"),
        ({"type": "rollback", "sdp": sdp()}, "description.type", "must be 'offer' or 'answer'"),
        ({"type": "offer"}, "description.sdp", "must be a string"),
        ({"type": "offer", "sdp": ""}, "description.sdp", "must start with the line v=0"),
        ({"type": "offer", "sdp": "hello"}, "description.sdp", "must start with the line v=0"),
        (
            {"type": "offer", "sdp": sdp().replace("s=-", "s=\x00-")},
            "description.sdp",
            "line 3 is not a 'x=value' line of SDP",
        ),
        (
            {"type": "offer", "sdp": sdp().replace("a=mid:1", "<script>")},
            "description.sdp",
            "is not a 'x=value' line of SDP",
        ),
        (
            {"type": "offer", "sdp": sdp().replace("m=video 9", "m=video nine")},
            "description.sdp",
            "is not a media line",
        ),
        (
            {"type": "offer", "sdp": sdp().replace("o=- ", "x=- ")},
            "description.sdp",
            "lacks its session-level o= line",
        ),
        (
            {"type": "offer", "sdp": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"},
            "description.sdp",
            "must have 1 to 16 media sections",
        ),
        (
            {"type": "offer", "sdp": sdp() + "a=x:" + "y" * MAX_SDP_LENGTH + "\r\n"},
            "description.sdp",
            f"longer than {MAX_SDP_LENGTH} characters",
        ),
    ],
)
def test_a_malformed_description_is_refused_naming_the_field(description, field, message):
    with pytest.raises(InvalidSignal) as refused:
        read_description(description)
    assert refused.value.code == "invalid-signal"
    assert refused.value.extra == {"field": field}
    assert message in refused.value.message


@pytest.mark.parametrize("line", [CANDIDATE, MDNS_CANDIDATE, ""])
def test_candidates_as_browsers_send_them_are_read(line: str):
    value = {"candidate": line, "sdpMid": "0", "sdpMLineIndex": 0, "usernameFragment": None}
    assert read_candidate(value) == Candidate(line, "0", 0, None)
    assert read_candidate(value).to_json() == value


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ([], "candidate"),
        ({"sdpMid": "0"}, "candidate.candidate"),
        (
            {"candidate": "a=candidate:1 1 udp 1 1.2.3.4 5 typ host", "sdpMid": "0"},
            "candidate.candidate",
        ),
        (
            {"candidate": "candidate:1 1 udp 1 1.2.3.4 5 typ nonsense", "sdpMid": "0"},
            "candidate.candidate",
        ),
        (
            {"candidate": "candidate:1 1 udp 1 1.2.3.4 5 typ host\r\nm=x", "sdpMid": "0"},
            "candidate.candidate",
        ),
        (
            {"candidate": CANDIDATE + " x" * MAX_CANDIDATE_LENGTH, "sdpMid": "0"},
            "candidate.candidate",
        ),
        ({"candidate": CANDIDATE}, "candidate.sdpMid"),
        ({"candidate": CANDIDATE, "sdpMid": 0}, "candidate.sdpMid"),
        ({"candidate": CANDIDATE, "sdpMLineIndex": -1}, "candidate.sdpMLineIndex"),
        ({"candidate": CANDIDATE, "sdpMLineIndex": True}, "candidate.sdpMLineIndex"),
        (
            {"candidate": CANDIDATE, "sdpMid": "0", "usernameFragment": "a\nb"},
            "candidate.usernameFragment",
        ),
    ],
)
def test_a_malformed_candidate_is_refused_naming_the_field(value, field):
    with pytest.raises(InvalidSignal) as refused:
        read_candidate(value)
    assert refused.value.extra == {"field": field}


@pytest.mark.parametrize(
    "frame", [{}, {"description": {"type": "offer", "sdp": sdp()}, "candidate": {"candidate": ""}}]
)
def test_a_signal_carries_exactly_one_payload(frame):
    with pytest.raises(InvalidSignal, match="exactly one of 'description' and 'candidate'"):
        read_signal(frame)


@pytest.mark.parametrize(
    ("audio", "video", "sends"),
    [
        ("sendrecv", "sendrecv", True),
        ("recvonly", "sendonly", True),
        ("recvonly", "recvonly", False),
        ("inactive", "recvonly", False),
    ],
)
def test_sends_media_reads_each_sections_direction(audio: str, video: str, sends: bool):
    assert sends_media(sdp(audio=audio, video=video)) is sends


def test_a_section_without_a_direction_sends_as_sdp_defaults_to_sendrecv():
    assert sends_media(sdp(video="recvonly").replace("a=sendrecv\r\n", "")) is True


def test_a_rejected_section_sends_nothing():
    text = sdp(audio="recvonly").replace("m=video 9", "m=video 0")
    assert sends_media(text) is False


# --- ICE servers and TURN credentials ---------------------------------------------------


def test_turn_credentials_are_corturns_rest_api_scheme():
    username, password = turn_credentials(b"s" * 32, "u-abc", 1_000_000.0, 600)
    assert username == "1000600:u-abc"
    expected = hmac.new(b"s" * 32, b"1000600:u-abc", hashlib.sha1).digest()
    assert password == base64.b64encode(expected).decode()


def secret_file(tmp_path: Path, secret: str = "a-shared-secret-of-some-length") -> str:
    path = tmp_path / "turn-secret"
    path.write_text(secret + "\n")
    return str(path)


def test_ice_servers_give_stun_as_is_and_turn_with_fresh_credentials(tmp_path: Path):
    config = Config.from_args(
        [
            "--ice-servers",
            "stun:stun.example.org,turn:turn.example.org:3478?transport=udp",
            "--turn-secret-file",
            secret_file(tmp_path),
            "--turn-credential-seconds",
            "60",
        ]
    )
    ice = IceConfig.from_config(config)
    username, credential = turn_credentials(b"a-shared-secret-of-some-length", "u-1", 100.0, 60)
    assert ice.servers("u-1", 100.0) == [
        {"urls": ["stun:stun.example.org"]},
        {
            "urls": ["turn:turn.example.org:3478?transport=udp"],
            "username": username,
            "credential": credential,
        },
    ]
    assert (username, ice.transport_policy) == ("160:u-1", "all")


def test_no_ice_servers_by_default():
    assert IceConfig.from_config(Config()).servers("u-1", 0.0) == []


@pytest.mark.parametrize(
    "url", ["http://x", "turn:user:pass@host", "turn:", "stun:host:99999", "turn:host?x=1"]
)
def test_an_ice_server_url_with_credentials_or_another_scheme_is_refused_at_start_up(url: str):
    with pytest.raises(ConfigError, match="argument --ice-servers: each ICE server must be"):
        Config.from_args(["--ice-servers", url])


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        (["--ice-servers", "turn:h"], "give its shared secret with --turn-secret-file"),
        (["--turn-secret-file", "SECRET"], "names no turn: URL"),
        (["--call-relay-only"], "--call-relay-only needs a turn: URL"),
        (["--ice-servers", "turn:h", "--turn-secret-file", "/nonexistent/x"], "cannot read"),
        (["--ice-servers", "turn:h", "--turn-secret-file", "SHORT"], "shorter than 16 bytes"),
    ],
)
def test_an_ice_configuration_that_cannot_work_stops_the_server(
    tmp_path: Path, flags: list[str], reason: str
):
    if "SECRET" in flags:
        flags[flags.index("SECRET")] = secret_file(tmp_path)
    if "SHORT" in flags:
        flags[flags.index("SHORT")] = secret_file(tmp_path, "short")
    with pytest.raises(ConfigError, match=reason):
        IceConfig.from_config(Config.from_args(flags))
