"""A background task that calls a function every few seconds while the app runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from aiohttp import web

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def every(
    interval: Callable[[web.Application], float], tick: Callable[[web.Application], object]
) -> CleanupContext:
    """A ``cleanup_ctx`` entry: ``tick(app)`` every ``interval(app)`` seconds, started with
    the app and cancelled when it stops (``tick`` is synchronous: it never awaits)."""

    async def forever(app: web.Application) -> None:
        seconds = interval(app)
        while True:
            await asyncio.sleep(seconds)
            tick(app)

    async def context(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.get_running_loop().create_task(forever(app))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context
