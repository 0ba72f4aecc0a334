"""Waiting until a server answers its health endpoint: the one function for everything here
that starts a server and must know when it is up (``python -m deploy.cluster up``, the
scenarios of ``python -m bench``, the end-to-end tests).

Why here: of the three, deploy/ is the only one an operator's command runs, so it must import
neither bench/ (a measuring tool) nor tests/; bench/ and tests/ import deploy/ already (nginx's
configuration, ``find_nginx``). Putting the function in deploy/ adds no dependency between
the folders, where any other home would add one. It needs only the standard library and no
event loop: an asynchronous caller runs it in a thread (``await asyncio.to_thread(...)``).
"""

from __future__ import annotations

import http.client
import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

POLL_SECONDS = 0.05
REQUEST_TIMEOUT = 2.0


class NotHealthy(RuntimeError):
    """The server did not answer 200 in time, or ``alive()`` said to stop waiting."""


def _always() -> bool:
    return True


def wait_healthy(
    url: str,
    *,
    within: float = 20.0,
    alive: Callable[[], bool] = _always,
    context: ssl.SSLContext | None = None,
) -> Any:
    """Poll ``GET url`` until it answers 200 and return its JSON body.

    ``alive()`` is asked before each try: when it says False (the server's process has
    exited, or a stop was asked for) waiting ends at once. Raises :class:`NotHealthy` then,
    or when ``within`` seconds pass. Requests go straight to ``url``, never through a proxy
    named in the environment; ``context`` verifies an https server.
    """
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )
    deadline = time.monotonic() + within
    while True:
        if not alive():
            raise NotHealthy(f"stopped waiting for {url}: the process is gone or stopping")
        try:
            with opener.open(url, timeout=REQUEST_TIMEOUT) as response:
                return json.load(response)
        except (urllib.error.URLError, http.client.HTTPException, OSError):
            pass  # not listening yet, or not healthy yet (an HTTPError is a URLError)
        if time.monotonic() >= deadline:
            raise NotHealthy(f"{url} did not answer 200 within {within:g} s")
        time.sleep(POLL_SECONDS)
