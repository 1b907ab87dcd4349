"""A TCP forwarder a test can cut and restore: a broker outage as the client sees it, without
touching the shared broker (other test runs use it)."""

from __future__ import annotations

import asyncio
import contextlib

from yarl import URL


class TcpProxy:
    """Forwards ``127.0.0.1:<port>`` to ``host:port``. ``cut`` closes the listening socket and
    every forwarded connection (new connections are refused, as from a stopped broker);
    ``restore`` listens on the same port again. ``freeze`` stops forwarding on the connections
    open now without closing them (a stalled or half-open connection: nothing arrives, nothing
    fails); connections made afterwards are forwarded as usual."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._streams: set[asyncio.StreamWriter] = set()
        self._frozen: set[asyncio.StreamWriter] = set()

    def freeze(self) -> None:
        self._frozen.update(self._streams)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", self.port,
                                                  reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._streams):
            writer.transport.abort()
        self._streams.clear()
        await self._server.wait_closed()

    async def restore(self) -> None:
        await self.start()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._streams.update((writer, up_writer))
        await asyncio.gather(_pipe(reader, up_writer, self._frozen),
                             _pipe(up_reader, writer, self._frozen))

    def url(self, amqp_url: str) -> str:
        """``amqp_url`` with its host and port replaced by the proxy's."""
        return str(URL(amqp_url).with_host("127.0.0.1").with_port(self.port))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                frozen: set[asyncio.StreamWriter]) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(65536):
            if writer in frozen:
                continue  # swallowed: the other side never hears of it
            writer.write(data)
            await writer.drain()
    writer.transport.abort()
