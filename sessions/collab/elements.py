"""Whiteboard elements: what the board accepts, and which of two copies of an element wins.

The board holds Excalidraw elements as the browser sends them (plain JSON objects). Each
has an ``id``, a ``type``, a ``version`` its editor raises on every change and a random
``versionNonce`` it draws anew each time; a deleted element stays as a tombstone
(``isDeleted: true``) so its deletion can win over older copies.

Reconciliation is Excalidraw's own (``reconcileElements``): of two copies of one element,
the higher ``version`` wins; at equal versions the lower ``versionNonce`` wins. The rule is
a total order on (version, -versionNonce), so every replica that has seen the same copies
keeps the same one, whatever order they arrived in:

    winner(a, winner(b, c)) == winner(winner(a, b), c) and winner(a, b) == winner(b, a)

Images and embeds are refused: an image would carry its file in a data URL (megabytes per
paste, in the journal and every rejoin), and an embed loads a third party's page, which the
room's CSP forbids. The room's toolbar hides both tools. Nothing here does I/O.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

from sessions.config import Config
from sessions.errors import InvalidBoardElement

ELEMENT_TYPES = frozenset(
    {"rectangle", "diamond", "ellipse", "arrow", "line", "freedraw", "text", "frame"}
)
"""The element types the board takes: Excalidraw's shapes, lines, freehand, text, frames."""
REFUSED_TYPES = {
    "image": "images are not supported on the board (they would fill the journal); "
    "draw or describe the picture instead",
    "embeddable": "embedded web pages are not supported on the board",
    "iframe": "embedded web pages are not supported on the board",
    "magicframe": "AI frames are not supported on the board",
}
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_VERSION = 2**31 - 1
_MAX_NONCE = 2**53 - 1
_NUMBERS = ("x", "y", "width", "height", "angle")


@dataclass(frozen=True, slots=True)
class BoardLimits:
    """How much one board may hold (``--board-max-*``)."""

    max_elements: int = 5000
    """Live (not deleted) elements."""
    max_bytes: int = 8 * 1024 * 1024
    """Bytes of every element's JSON, tombstones included."""
    max_element_bytes: int = 512 * 1024
    """Bytes of one element's JSON."""

    @classmethod
    def of(cls, config: Config) -> BoardLimits:
        return cls(
            config.board_max_elements, config.board_max_bytes, config.board_max_element_bytes
        )


class Element(NamedTuple):
    """One checked element: its JSON object and what reconciliation reads of it."""

    id: str
    version: int
    nonce: int
    deleted: bool
    size: int
    data: dict[str, Any]

    def beats(self, other: Element) -> bool:
        """Whether this copy wins over ``other`` (of the same element)."""
        return self.version > other.version or (
            self.version == other.version and self.nonce < other.nonce
        )


def check_element(value: object, limits: BoardLimits, where: str = "element") -> Element:
    """``value`` as an :class:`Element`; raises :class:`InvalidBoardElement` saying why not."""
    if not isinstance(value, dict):
        raise InvalidBoardElement(f"{where} must be an object")
    element_id = value.get("id")
    if not isinstance(element_id, str) or not ID_PATTERN.fullmatch(element_id):
        raise InvalidBoardElement(
            f"{where}: field 'id' must be 1 to 64 characters of A-Z, a-z, 0-9, '-' and '_'"
        )
    kind = value.get("type")
    if kind in REFUSED_TYPES:
        raise InvalidBoardElement(f"{where}: {REFUSED_TYPES[kind]}", elementId=element_id)
    if kind not in ELEMENT_TYPES:
        raise InvalidBoardElement(
            f"{where}: field 'type' must be one of {', '.join(sorted(ELEMENT_TYPES))}",
            elementId=element_id,
        )
    version = _integer(value, "version", 1, MAX_VERSION, where, element_id)
    nonce = _integer(value, "versionNonce", -_MAX_NONCE, _MAX_NONCE, where, element_id)
    deleted = value.get("isDeleted", False)
    if not isinstance(deleted, bool):
        raise InvalidBoardElement(
            f"{where}: field 'isDeleted' must be a boolean", elementId=element_id
        )
    for key in _NUMBERS:
        number = value.get(key, 0)
        if (
            isinstance(number, bool)
            or not isinstance(number, int | float)
            or not math.isfinite(number)
        ):
            raise InvalidBoardElement(
                f"{where}: field {key!r} must be a number", elementId=element_id
            )
    size = len(orjson.dumps(value))
    if size > limits.max_element_bytes:
        raise InvalidBoardElement(
            f"{where} is {size} bytes; the board takes elements of at most "
            f"{limits.max_element_bytes} bytes",
            elementId=element_id,
        )
    return Element(element_id, version, nonce, deleted, size, value)


def _integer(
    value: dict[str, Any], key: str, low: int, high: int, where: str, element_id: str
) -> int:
    number = value.get(key)
    if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
        raise InvalidBoardElement(
            f"{where}: field {key!r} must be an integer from {low} to {high}",
            elementId=element_id,
        )
    return number


def trusted(value: dict[str, Any]) -> Element:
    """An element the board stored before (a snapshot, the journal): read, not checked
    against today's limits, so a smaller limit never loses a stored board."""
    return Element(
        value["id"],
        value["version"],
        value["versionNonce"],
        bool(value.get("isDeleted", False)),
        len(orjson.dumps(value)),
        value,
    )
