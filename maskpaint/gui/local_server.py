"""The built-in local server for the app, in a child process of its own.

In the app's process the server's rendering and encoding (OpenCV, Pillow, JSON for
several large images at once) competed with the window for Python's GIL and stalled
its event loop for 100-300 ms; in a child process it cannot. The child exits when
the app closes its stdin, including when the app dies. Frozen builds (no `python -m`)
run the server in-process instead.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import TYPE_CHECKING

from maskpaint.core.errors import MaskpaintError

if TYPE_CHECKING:
    from maskpaint.server.embedded import EmbeddedServer

START_TIMEOUT = 30.0


class LocalServerError(MaskpaintError):
    """The built-in server did not start."""


class LocalServer:
    """Start on first `base_url()` call (from any thread); `stop()` ends it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._in_process: EmbeddedServer | None = None
        self._url: str | None = None

    def base_url(self) -> str:
        with self._lock:
            if self._url is None:
                self._url = self._start_in_process() if _frozen() else self._start_child()
            return self._url

    def stop(self) -> None:
        with self._lock:
            process, self._process = self._process, None
            server, self._in_process = self._in_process, None
            self._url = None
        if process is not None:
            _end(process)
        if server is not None:
            server.stop()

    def _start_child(self) -> str:
        process = subprocess.Popen(
            [sys.executable, "-m", "maskpaint.gui.local_server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        timer = threading.Timer(START_TIMEOUT, process.kill)  # a hung child must not hang us
        timer.start()
        try:
            line = process.stdout.readline().strip()
        finally:
            timer.cancel()
        if not line.startswith("http://"):
            _end(process)
            raise LocalServerError(
                "The built-in local server did not start; see the log, or set an API key "
                "in Settings to use the real API.",
                detail=f"child said {line!r}, exit code {process.poll()}",
            )
        self._process = process
        return line

    def _start_in_process(self) -> str:
        from maskpaint.server import EmbeddedServer

        server = EmbeddedServer("127.0.0.1").start()
        self._in_process = server
        return server.base_url


def _frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def _end(process: subprocess.Popen[str]) -> None:
    """Close the child's stdin (it stops itself); kill it if it does not."""
    try:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        process.kill()
        process.wait()


def main() -> int:
    """The child: serve on a free loopback port, print the base URL, stop at stdin's end."""
    from maskpaint.server import EmbeddedServer

    with EmbeddedServer("127.0.0.1") as server:
        print(server.base_url, flush=True)
        sys.stdin.read()
    return 0


if __name__ == "__main__":
    sys.exit(main())
