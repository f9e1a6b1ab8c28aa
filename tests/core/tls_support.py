"""Servers for the socket tests: TLS in front of the embedded server, and a silent peer."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from pathlib import Path

import trustme


def tls_certificates(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """(server context for 127.0.0.1, CA file a client must trust) from a throwaway CA."""
    authority = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server)
    ca_file = folder / "test-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    return server, ca_file


class TlsFront:
    """Terminates TLS on 127.0.0.1 and relays the bytes to a plain-HTTP port."""

    def __init__(self, target_port: int, context: ssl.SSLContext) -> None:
        self._target_port = target_port
        self._context = context
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    def __enter__(self) -> TlsFront:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self._server = started.result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _listen(self) -> asyncio.Server:
        return await asyncio.start_server(self._relay, "127.0.0.1", 0, ssl=self._context)

    async def _close(self) -> None:
        self._server.close()
        for task in asyncio.all_tasks() - {asyncio.current_task()}:
            task.cancel()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target_port)
        try:
            await asyncio.gather(_pump(reader, up_writer), _pump(up_reader, writer))
        finally:
            up_writer.close()
            writer.close()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(256 * 1024):
        writer.write(data)
        await writer.drain()
    writer.close()


class SilentPeer:
    """Accepts one TCP connection and never answers or reads: the client must give up.

    `accepted` is set once the connection exists and, when `wait_for_bytes`, once the
    client's first bytes (a TLS ClientHello) arrived. `closed_by_client()` then reads
    until the client's end of the connection closes.
    """

    def __init__(self, *, wait_for_bytes: bool = False) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._wait_for_bytes = wait_for_bytes
        self.accepted = threading.Event()
        self._conn: socket.socket | None = None
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> SilentPeer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._listener.close()
        if self._conn is not None:
            self._conn.close()

    def _accept(self) -> None:
        conn, _ = self._listener.accept()
        conn.settimeout(10)
        self._conn = conn
        if self._wait_for_bytes:
            conn.recv(1, socket.MSG_PEEK)
        self.accepted.set()

    def closed_by_client(self) -> bool:
        """Drain what the client sent; True once its side is closed (EOF or reset)."""
        assert self._conn is not None
        try:
            while self._conn.recv(1024 * 1024):
                pass
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False
        return True
