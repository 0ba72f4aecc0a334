"""Waiting for something outside the test's control (another process, a file, a timer of the
server's) without fixed sleeps: check, and check again shortly, until a deadline."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path


async def wait_until(
    condition: Callable[[], bool | Awaitable[bool]], what: str, *, within: float = 5.0
) -> None:
    """Return as soon as ``condition()`` holds; fail naming ``what`` after ``within`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if loop.time() >= deadline:
            raise AssertionError(f"{what}: not within {within} s")
        await asyncio.sleep(0.02)


def listing(folder: Path) -> list[str]:
    """The names in a folder, sorted."""
    return sorted(path.name for path in folder.iterdir())
