"""A tiny TCP proxy a page connects through, so a test can really cut its connections.

``drop()`` aborts every connection open through it (the browser sees its WebSocket close, as
when Wi-Fi goes away), and while ``refusing`` is set new connections are cut at once, so the
page stays offline and has to retry. While ``frozen`` is set, connections stay open but no
byte passes either way (a network that hangs without closing anything). Bytes are passed on
unchanged, so the page's origin is the proxy's and the server's own-origin check for
WebSockets holds.
"""

from __future__ import annotations

import asyncio
import contextlib

CHUNK = 65536


class DroppingProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.refusing = False
        self._thawed = asyncio.Event()
        self._thawed.set()
        self.accepted = 0
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def frozen(self) -> bool:
        return not self._thawed.is_set()

    @frozen.setter
    def frozen(self, value: bool) -> None:
        if value:
            self._thawed.clear()
        else:
            self._thawed.set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def drop(self) -> None:
        """Cut every open connection (a TCP reset both ways)."""
        for client, upstream in list(self._links):
            client.transport.abort()
            upstream.transport.abort()

    async def close(self) -> None:
        self.refusing = True
        self.drop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.transport.abort()
            return
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        link = (writer, up_writer)
        self._links.add(link)
        try:
            thawed = self._thawed
            await asyncio.gather(_pipe(reader, up_writer, thawed), _pipe(up_reader, writer, thawed))
        finally:
            self._links.discard(link)
            for side in link:
                side.transport.abort()


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, thawed: asyncio.Event
) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(CHUNK):
            await thawed.wait()
            writer.write(data)
            await writer.drain()
    writer.transport.abort() if writer.transport.is_closing() else writer.close()
