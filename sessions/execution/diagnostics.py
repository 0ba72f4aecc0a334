"""Compiler messages turned into positions in the candidate's file.

Each compiler names the file, the line and (most of them) the column in one of two shapes:
``file:line[:column]: severity: message`` (gcc, g++, go, rustc's short form, javac, kotlinc,
scalac) or ``file(line,column): severity ...: message`` (mcs, our TypeScript transpiler).
Only messages about the candidate's file are kept: the harness's own files are the
server's, and the candidate's file is never rewritten, so its lines are the editor's.
"""

from __future__ import annotations

import os
import re
from typing import Any

MAX_DIAGNOSTICS = 100
MAX_MESSAGE = 500
_COLON = re.compile(
    r"^(?:\./)?(?P<file>[^\s:()]+?):(?P<line>\d+)(?::(?P<column>\d+))?:\s*"
    r"(?:(?P<severity>fatal error|error|warning|note|e|w)(?:\[\w+\])?:\s*)?(?P<message>.*)$",
    re.IGNORECASE,
)
_PAREN = re.compile(
    r"^(?P<file>[^\s:()]+?)\((?P<line>\d+),(?P<column>\d+)\):\s*"
    r"(?P<severity>error|warning)\s*(?:\w+)?:\s*(?P<message>.*)$",
    re.IGNORECASE,
)


def _severity(word: str | None) -> str:
    word = (word or "error").lower()
    if word in ("warning", "w"):
        return "warning"
    if word == "note":
        return "note"
    return "error"


def parse_diagnostics(text: str, candidate: str) -> list[dict[str, Any]]:
    """The messages about ``candidate`` (a file name), in the order the compiler gave them."""
    found: list[dict[str, Any]] = []
    if not candidate:
        return found
    for raw in text.splitlines():
        line = raw.strip()
        match = _COLON.match(line) or _PAREN.match(line)
        if match is None or os.path.basename(match["file"]) != candidate:
            continue
        column = match["column"]
        found.append(
            {
                "line": int(match["line"]),
                "column": int(column) if column else None,
                "severity": _severity(match["severity"]),
                "message": match["message"][:MAX_MESSAGE],
            }
        )
        if len(found) >= MAX_DIAGNOSTICS:
            break
    return found
