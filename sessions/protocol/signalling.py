"""A call's signalling payloads: session descriptions (SDP) and ICE candidates, checked.

The server relays these between two members of a call and never interprets the media they
describe, but it does not relay just anything: a description must be an ``offer`` or an
``answer`` whose text has the shape of SDP (RFC 8866: ``v=0`` first, then ``x=value`` lines,
with ``o=``, ``s=``, ``t=`` and at least one ``m=`` section), and a candidate must be an
``a=candidate`` value (RFC 8839: ``candidate:foundation component transport priority address
port typ type …``) or ``""`` (the end of candidates). Both are bounded in size. A payload
that fails raises :class:`~sessions.errors.InvalidSignal` naming the field; nothing here
does I/O.

:func:`sends_media` tells whether a description offers or accepts to *send* media, which an
observer (listen-only, :mod:`sessions.interview.permissions`) may not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sessions.errors import InvalidSignal

MAX_SDP_LENGTH = 32 * 1024
"""A browser's audio+video offer is 4-8 KB; bundled candidates and many codecs stay far below."""
MAX_SDP_LINES = 1000
MAX_MEDIA_SECTIONS = 16
MAX_CANDIDATE_LENGTH = 512
MAX_MID_LENGTH = 64
MAX_MLINE_INDEX = 1023
MAX_UFRAG_LENGTH = 256
DESCRIPTION_TYPES = ("offer", "answer")
SENDING = frozenset({"sendrecv", "sendonly"})
DIRECTIONS = frozenset({"sendrecv", "sendonly", "recvonly", "inactive"})

_LINE = re.compile(r"[a-z]=[^\x00-\x1f\x7f]*")
_BAD_LINE_START = re.compile(r"\n(?![a-z]=|\Z)")
_MEDIA = re.compile(r"m=(audio|video|application) (\d{1,5})(?:/\d+)? [A-Za-z0-9/]+(?: \S+)+")
_CANDIDATE = re.compile(
    r"candidate:[A-Za-z0-9+/]{1,32} \d{1,3} (?:udp|tcp|UDP|TCP) \d{1,10} "
    r"[A-Za-z0-9.:\[\]-]{1,255} \d{1,5} typ (?:host|srflx|prflx|relay)(?: [\x21-\x7e]+)*"
)


@dataclass(frozen=True, slots=True)
class Description:
    """An ``RTCSessionDescription``: ``offer`` or ``answer``, and its SDP."""

    kind: str
    sdp: str

    def to_json(self) -> dict[str, Any]:
        return {"type": self.kind, "sdp": self.sdp}


@dataclass(frozen=True, slots=True)
class Candidate:
    """An ``RTCIceCandidateInit``; ``candidate == ""`` ends a generation of candidates."""

    candidate: str
    sdp_mid: str | None
    sdp_mline_index: int | None
    username_fragment: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate,
            "sdpMid": self.sdp_mid,
            "sdpMLineIndex": self.sdp_mline_index,
            "usernameFragment": self.username_fragment,
        }


RtcSignal = Description | Candidate


def read_signal(frame: dict[str, Any]) -> RtcSignal:
    """The one payload of a ``call-signal`` frame: ``description`` or ``candidate``."""
    has_description, has_candidate = "description" in frame, "candidate" in frame
    if has_description == has_candidate:
        raise InvalidSignal(
            "a call-signal carries exactly one of 'description' and 'candidate'",
            field="description" if has_description else "candidate",
        )
    if has_description:
        return read_description(frame["description"])
    return read_candidate(frame["candidate"])


def read_description(value: object) -> Description:
    """``{"type":"offer"|"answer","sdp":"v=0\\r\\n…"}``, its SDP checked by :func:`check_sdp`."""
    if not isinstance(value, dict):
        raise InvalidSignal("field 'description' must be an object", field="description")
    kind = value.get("type")
    if kind not in DESCRIPTION_TYPES:
        raise InvalidSignal(
            "field 'description.type' must be 'offer' or 'answer'", field="description.type"
        )
    sdp = value.get("sdp")
    if not isinstance(sdp, str):
        raise InvalidSignal("field 'description.sdp' must be a string", field="description.sdp")
    check_sdp(sdp)
    return Description(kind, sdp)


def check_sdp(sdp: str) -> None:
    """Raise :class:`InvalidSignal` unless ``sdp`` has the shape of a session description.

    The whole text is checked at once (printable characters, every line ``x=``); only a
    text that fails is walked line by line, to say which line is wrong.
    """
    where = "description.sdp"
    if len(sdp) > MAX_SDP_LENGTH:
        raise InvalidSignal(
            f"field '{where}' is longer than {MAX_SDP_LENGTH} characters", field=where
        )
    if sdp.count("\n") > MAX_SDP_LINES:
        raise InvalidSignal(f"field '{where}' has more than {MAX_SDP_LINES} lines", field=where)
    if not sdp.startswith("v=0\n") and not sdp.startswith("v=0\r\n") and sdp != "v=0":
        raise InvalidSignal(f"field '{where}' must start with the line v=0", field=where)
    text = sdp.replace("\r\n", "\n")
    if not text.replace("\n", "").isprintable() or _BAD_LINE_START.search(text) is not None:
        _name_bad_line(sdp, where)
    media_lines = ["m=" + part.split("\n", 1)[0] for part in text.split("\nm=")[1:]]
    for line in media_lines:
        if _MEDIA.fullmatch(line) is None:
            raise InvalidSignal(
                f"field '{where}': {line[:40]!r} is not a media line "
                "(m=audio|video|application PORT PROTO FORMATS)",
                field=where,
            )
    first_media = sdp.find("\nm=")
    session_part = sdp if first_media < 0 else sdp[:first_media]
    for required in ("o=", "s=", "t="):
        if f"\n{required}" not in session_part:
            raise InvalidSignal(
                f"field '{where}' lacks its session-level {required} line", field=where
            )
    if not 0 < len(media_lines) <= MAX_MEDIA_SECTIONS:
        raise InvalidSignal(
            f"field '{where}' must have 1 to {MAX_MEDIA_SECTIONS} media sections (m=)",
            field=where,
        )


def _name_bad_line(sdp: str, where: str) -> None:
    for number, line in enumerate(_lines(sdp), start=1):
        if _LINE.fullmatch(line) is None:
            raise InvalidSignal(
                f"field '{where}': line {number} is not a 'x=value' line of SDP", field=where
            )
    raise InvalidSignal(f"field '{where}' is not SDP (an empty line?)", field=where)


def _lines(sdp: str) -> list[str]:
    lines = sdp.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def read_candidate(value: object) -> Candidate:
    """``{"candidate":"candidate:…","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":…}``."""
    if not isinstance(value, dict):
        raise InvalidSignal("field 'candidate' must be an object", field="candidate")
    line = value.get("candidate")
    if not isinstance(line, str):
        raise InvalidSignal(
            "field 'candidate.candidate' must be a string", field="candidate.candidate"
        )
    if line and (len(line) > MAX_CANDIDATE_LENGTH or _CANDIDATE.fullmatch(line) is None):
        raise InvalidSignal(
            "field 'candidate.candidate' must be an ICE candidate line "
            f"(candidate:FOUNDATION COMPONENT TRANSPORT PRIORITY ADDRESS PORT typ TYPE …, "
            f"at most {MAX_CANDIDATE_LENGTH} characters) or '' for the end of candidates",
            field="candidate.candidate",
        )
    mid = _optional_str(value, "sdpMid", MAX_MID_LENGTH)
    index = value.get("sdpMLineIndex")
    if index is not None and (
        not isinstance(index, int) or isinstance(index, bool) or not 0 <= index <= MAX_MLINE_INDEX
    ):
        raise InvalidSignal(
            f"field 'candidate.sdpMLineIndex' must be an integer from 0 to {MAX_MLINE_INDEX} "
            "or null",
            field="candidate.sdpMLineIndex",
        )
    if line and mid is None and index is None:
        raise InvalidSignal(
            "a candidate needs 'sdpMid' or 'sdpMLineIndex'", field="candidate.sdpMid"
        )
    return Candidate(line, mid, index, _optional_str(value, "usernameFragment", MAX_UFRAG_LENGTH))


def _optional_str(value: dict[str, Any], key: str, max_length: int) -> str | None:
    found = value.get(key)
    if found is None:
        return None
    if not isinstance(found, str) or len(found) > max_length or not found.isprintable():
        raise InvalidSignal(
            f"field 'candidate.{key}' must be a string of at most {max_length} printable "
            "characters, or null",
            field=f"candidate.{key}",
        )
    return found


def sends_media(sdp: str) -> bool:
    """Whether a (checked) description sends media in any section it does not reject:
    a direction of ``sendrecv`` or ``sendonly``, or none at all (SDP's default is
    ``sendrecv``), in an ``m=`` section whose port is not 0."""
    session_direction = "sendrecv"
    section_direction: str | None = None
    in_media = active = False
    sends = False
    for line in _lines(sdp):
        if line.startswith("m="):
            if in_media and active and (section_direction or session_direction) in SENDING:
                sends = True
            in_media, section_direction = True, None
            match = _MEDIA.fullmatch(line)
            active = match is not None and match.group(1) != "application" and match.group(2) != "0"
        elif line.startswith("a=") and line[2:] in DIRECTIONS:
            if in_media:
                section_direction = line[2:]
            else:
                session_direction = line[2:]
    if in_media and active and (section_direction or session_direction) in SENDING:
        sends = True
    return sends
