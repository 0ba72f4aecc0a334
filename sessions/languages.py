"""The languages a session can be set to: editor modes, not compilers."""

from __future__ import annotations

DEFAULT_LANGUAGE = "python"

LANGUAGES: tuple[str, ...] = (
    "python",
    "javascript",
    "typescript",
    "java",
    "go",
    "c",
    "cpp",
    "csharp",
    "kotlin",
    "swift",
    "rust",
    "ruby",
    "php",
    "scala",
    "sql",
    "shell",
    "plaintext",
)

_KNOWN = frozenset(LANGUAGES)


def is_supported(language: str) -> bool:
    """True when ``language`` is one of :data:`LANGUAGES`."""
    return language in _KNOWN
