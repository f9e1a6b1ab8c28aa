"""EmbeddedServer: the local OpenAI-compatible server on a uvicorn thread.

The app uses it as its backend when no key is set, `maskpaint serve` runs it in the
foreground, and the tests start one per session and steer it with faults.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from maskpaint.core.errors import MaskpaintError
from maskpaint.server.app import create_app
from maskpaint.server.faults import TRANSPORT_KEY, Fault
from maskpaint.server.state import ReceivedRequest, ServerState

START_TIMEOUT = 10.0


class ServerError(MaskpaintError):
    """The local server could not start (port taken, address not available)."""


class TransportExposingH11(H11Protocol):
    """uvicorn's h11 protocol, handing the app its connection's transport in the scope.

    ASGI gives an app no way to cut a connection without a response, or in the middle
    of one; the `truncate` and `drop` faults need exactly that. `Config(http=...)` is
    uvicorn's documented hook for choosing the protocol class.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inner = self.app

        async def app_with_transport(scope: Any, receive: Any, send: Any) -> None:
            scope.setdefault("extensions", {})[TRANSPORT_KEY] = self.transport
            await inner(scope, receive, send)

        self.app = app_with_transport


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # An explicit IPPROTO_TCP: asyncio turns Nagle off only on sockets that say TCP, and
    # with Nagle on every keep-alive answer waits 40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ServerError(
            f"The local server could not listen on {host}:{port} ({error.strerror}); "
            "choose another port or stop the program using it.",
            detail=repr(error),
        ) from None
    return sock


class EmbeddedServer:
    """An OpenAI-compatible /v1/images/edits server on a daemon thread.

    `push_faults` queues misbehaviours for the next edit requests; `received` lists
    what arrived (keys redacted). Use as a context manager or start()/stop().
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str | None = None,
        serve_urls: bool = False,
        work_delay: float = 0.0,
    ) -> None:
        self.host = host
        self.port = port
        self._state = ServerState(api_key=api_key, serve_urls=serve_urls, work_delay=work_delay)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        running = "running" if self._thread is not None else "stopped"
        return f"EmbeddedServer({self.host}:{self.port}, {running})"

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    def start(self) -> EmbeddedServer:
        """Bind, serve on a daemon thread, and return once connections are accepted."""
        if self._thread is not None:
            return self
        sock = _bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(self._state),
            http=TransportExposingH11,
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="maskpaint-server", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not server.started:
            server.should_exit = True
            sock.close()
            raise ServerError("The local server did not start; see the log for why.")
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving; open connections are cut rather than waited for. Idempotent."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None or thread is None:
            return
        server.should_exit = True
        server.force_exit = True
        thread.join(timeout=5)

    def wait(self) -> None:
        """Block until the server thread ends (Ctrl+C raises KeyboardInterrupt here)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.2)

    def push_faults(self, *faults: Fault) -> None:
        """Queue faults; each of the next edit requests consumes one, in order."""
        self._state.push_faults(faults)

    def clear(self) -> None:
        """Forget pending faults and received requests."""
        self._state.clear()

    @property
    def received(self) -> list[ReceivedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        return self._state.received

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
