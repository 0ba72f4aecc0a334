"""A session's whiteboard: the winning copy of every element, and what a rejoin missed.

The board is a map from element id to the copy that wins under
:meth:`Element.beats <sessions.collab.elements.Element.beats>`, plus who stored it. It has
no revision: every client reconciles what it receives the same way, so all of them converge
on the server's copies whatever order frames cross in. Invariants, after any sequence of
:meth:`Board.apply` and :meth:`Board.put`:

* ``live`` is the number of elements not deleted, ``size`` the bytes of all of them;
* :meth:`Board.apply` either applies every winning element of a frame or none (a frame that
  would pass the limits, or lowers its own author's version, changes nothing).

Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from sessions.collab.elements import BoardLimits, Element
from sessions.errors import BoardFull, BoardVersionRegression


class Stored(NamedTuple):
    """An element as the board keeps it: the winning copy and the user who sent it."""

    element: Element
    by: str | None


class Applied(NamedTuple):
    """What one frame changed: the copies that won (in frame order), and the ids of those
    that lost to the board's copy (a concurrent change got there first)."""

    winners: list[Stored]
    stale: list[str]


class Board:
    """The winning copy of every element of one session's whiteboard."""

    __slots__ = ("_elements", "live", "size")

    def __init__(self) -> None:
        self._elements: dict[str, Stored] = {}
        self.live = 0
        self.size = 0

    def __len__(self) -> int:
        return len(self._elements)

    @property
    def used(self) -> bool:
        """Whether anything was ever drawn (deleted drawings count)."""
        return bool(self._elements)

    def get(self, element_id: str) -> Stored | None:
        return self._elements.get(element_id)

    def stored(self) -> list[Stored]:
        """Every element with its author, in the order they were first drawn."""
        return list(self._elements.values())

    def elements(self) -> list[dict[str, Any]]:
        """Every element's JSON (tombstones included), in the order they were first drawn."""
        return [stored.element.data for stored in self._elements.values()]

    def apply(self, incoming: Iterable[Element], by: str | None, limits: BoardLimits) -> Applied:
        """Reconcile a frame's elements into the board, all or nothing.

        Raises :class:`BoardVersionRegression` when an element's version is lower than the
        one ``by`` itself stored, and :class:`BoardFull` when the winners would pass
        ``limits``; the board is unchanged then.
        """
        winners: dict[str, Stored] = {}
        stale: list[str] = []
        regressed: list[dict[str, Any]] = []
        live, size = self.live, self.size
        for element in incoming:
            current = winners.get(element.id) or self._elements.get(element.id)
            if current is not None and not element.beats(current.element):
                if element.version < current.element.version and current.by == by:
                    regressed.append(current.element.data)
                elif element.version != current.element.version or (
                    element.nonce != current.element.nonce
                ):
                    stale.append(element.id)
                continue
            if current is not None:
                live -= not current.element.deleted
                size -= current.element.size
            live += not element.deleted
            size += element.size
            winners[element.id] = Stored(element, by)
        if regressed:
            raise BoardVersionRegression(
                f"{len(regressed)} element(s) came back with a lower version than you stored; "
                "the board's copies are attached",
                elements=regressed,
            )
        if live > max(limits.max_elements, self.live) or size > max(limits.max_bytes, self.size):
            raise BoardFull(
                f"the board holds at most {limits.max_elements} elements and "
                f"{limits.max_bytes} bytes; this change would make {live} elements and "
                f"{size} bytes",
                maxElements=limits.max_elements,
                maxBytes=limits.max_bytes,
            )
        self._elements.update(winners)
        self.live, self.size = live, size
        return Applied(list(winners.values()), stale)

    def put(self, element: Element, by: str | None) -> None:
        """Reconcile one stored element (a snapshot, the journal), without limits."""
        current = self._elements.get(element.id)
        if current is not None:
            if not element.beats(current.element):
                return
            self.live -= not current.element.deleted
            self.size -= current.element.size
        self._elements[element.id] = Stored(element, by)
        self.live += not element.deleted
        self.size += element.size

    def since(self, known: Mapping[str, tuple[int, int]]) -> tuple[list[dict[str, Any]], list[str]]:
        """What a client that knows ``known`` (element id to ``(version, versionNonce)``)
        lacks: the elements whose copy differs from its own, and the ids it knows that the
        board does not have (lost in a restart: the client should send them again)."""
        elements = self._elements
        changed = [
            stored.element.data
            for element_id, stored in elements.items()
            if known.get(element_id) != (stored.element.version, stored.element.nonce)
        ]
        missing = [element_id for element_id in known if element_id not in elements]
        return changed, missing
