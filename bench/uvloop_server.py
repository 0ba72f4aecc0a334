"""``python -m bench.uvloop_server [server.py's flags]``: our server on uvloop's event loop.

For ``python -m bench --servers ours,ours-uvloop``: the issue names uvloop as a lever to
measure. It measured no faster than asyncio's own loop here (docs/benchmarks.md), so the
server does not use it; this entry point keeps the comparison one command away.
"""

from __future__ import annotations

import asyncio

import uvloop

from server import main

if __name__ == "__main__":
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    main()
