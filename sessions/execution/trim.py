"""Trim a runtime's own stack frames from a run's stderr, so the candidate sees their code.

Node prints the frames of its module loader (``at Module._compile (node:internal/...)``),
of promises (``at new Promise (<anonymous>)``) and of our harness (``harness.js``) under
every uncaught error, and its version (``Node.js v20.20.2``) after it: nothing there is about
the candidate's code, so those lines are dropped; the message, the source line and its caret,
and the frames of the candidate's own files stay. Lines are judged whole: a partial line that
could be the start of such a line waits for its end (or the end of the run).
"""

from __future__ import annotations

import re
from typing import Final

INTERNAL: Final = re.compile(
    r"^\s+at (?:.*[( ])?(?:node:|internal/|<anonymous>\)$|\[eval\])"
    r"|^\s+at .*\bharness\.js:\d+"
    r"|^Node\.js v\d+\.\d+\.\d+\s*$"
)
"""A line of a runtime's own frames, or node's version line."""
_MAYBE: Final = ("at ", "Node.js v")


def internal(line: str) -> bool:
    """Whether ``line`` (without its end) is one of the runtime's own lines."""
    return INTERNAL.match(line) is not None


def _could_be_internal(partial: str) -> bool:
    stripped = partial.lstrip()
    if stripped != partial or partial.startswith("N"):
        return any(p.startswith(stripped) or stripped.startswith(p) for p in _MAYBE)
    return False


class StackTrim:
    """Feed stderr's text as it comes; get back what to show."""

    __slots__ = ("partial",)

    def __init__(self) -> None:
        self.partial = ""

    def feed(self, text: str, final: bool = False) -> str:
        text = self.partial + text
        self.partial = ""
        lines = text.splitlines(keepends=True)
        unfinished = lines and not final and not lines[-1].endswith(("\n", "\r"))
        if unfinished and _could_be_internal(lines[-1]):
            self.partial = lines.pop()
        return "".join(line for line in lines if not internal(line.rstrip("\r\n")))
