"""The bytes on the wire: the multipart body, upload progress, and when to retry.

The form is built by httpx2's own multipart encoder, the same one the official SDK
uses, then re-chunked so upload progress is reported as the bytes really go out.
"""

from __future__ import annotations

import contextlib
import email.utils
import random
import socket
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx2

from maskpaint.core.api_types import Phase, Progress, megabytes
from maskpaint.core.models import request_fields
from maskpaint.core.request import EditRequest

UPLOAD_CHUNK = 256 * 1024
MAX_RETRY_AFTER = 120.0
_INITIAL_BACKOFF = 0.5
_MAX_BACKOFF = 8.0
_PROGRESS_INTERVAL = 0.1


def form_parts(
    request: EditRequest,
) -> tuple[dict[str, str], list[tuple[str, tuple[str, bytes, str]]]]:
    """(text fields, file parts) exactly as the SDK sends them.

    `image` for one file, `image[]` for several, then `mask`; every file part with its
    filename and explicit MIME type; optional fields only as `models.request_fields`
    decides for the model.
    """
    fields = {"prompt": request.prompt, "model": request.model, **request_fields(request)}
    name = "image" if len(request.images) == 1 else "image[]"
    files = [(name, (image.filename, image.data, image.mime)) for image in request.images]
    if request.mask is not None:
        files.append(("mask", (request.mask.filename, request.mask.data, request.mask.mime)))
    return fields, files


@dataclass(frozen=True)
class Body:
    """An encoded multipart body: headers to send with it and its chunks."""

    headers: Mapping[str, str]
    length: int
    form: httpx2.Request  # holds httpx2's multipart stream


def encode_form(request: EditRequest) -> Body:
    """Encode the multipart form once per attempt (a retry needs a fresh stream)."""
    fields, files = form_parts(request)
    encoded = httpx2.Request("POST", "http://form.invalid/", data=fields, files=files)
    headers = {
        "Content-Type": encoded.headers["Content-Type"],
        "Content-Length": encoded.headers["Content-Length"],
    }
    return Body(headers, int(headers["Content-Length"]), encoded)


async def upload_chunks(body: Body, progress: ProgressReporter) -> AsyncIterator[bytes]:
    """Yield the body in UPLOAD_CHUNK pieces, reporting each as it is handed to the socket."""
    for piece in body.form.stream:  # type: ignore[union-attr]
        view = memoryview(piece)
        for start in range(0, len(view), UPLOAD_CHUNK):
            chunk = bytes(view[start : start + UPLOAD_CHUNK])
            yield chunk
            progress.sent(len(chunk))
    progress.uploaded()


class ProgressReporter:
    """Turns byte counts into `Progress` values, at most ten a second per phase."""

    def __init__(self, callback: Callable[[Progress], None] | None, started: float) -> None:
        self._callback = callback
        self._started = started
        self._last = 0.0
        self.phase: Phase = "preparing"
        self.sent_bytes = 0
        self.total_bytes = 0
        self.received_bytes = 0
        self.expected_bytes: int | None = None

    def emit(self, phase: Phase, message: str, *, force: bool = True) -> None:
        now = time.monotonic()
        if not force and phase == self.phase and now - self._last < _PROGRESS_INTERVAL:
            return
        self.phase, self._last = phase, now
        if self._callback is not None:
            self._callback(
                Progress(
                    phase,
                    self.sent_bytes,
                    self.total_bytes,
                    self.received_bytes,
                    now - self._started,
                    message,
                )
            )

    def start_upload(self, total: int) -> None:
        self.sent_bytes, self.total_bytes, self.received_bytes = 0, total, 0
        self.emit("uploading", f"uploading 0.0 of {megabytes(total)} MB")

    def sent(self, count: int) -> None:
        self.sent_bytes += count
        self.emit(
            "uploading",
            f"uploading {megabytes(self.sent_bytes)} of {megabytes(self.total_bytes)} MB",
            force=self.sent_bytes >= self.total_bytes,
        )

    def uploaded(self) -> None:
        self.waiting()

    def waiting(self) -> None:
        elapsed = time.monotonic() - self._started
        self.emit("waiting", f"waiting for the server to make the images ({elapsed:.0f} s)")

    def received(self, count: int, *, final: bool = False) -> None:
        self.received_bytes = count
        of = f" of {megabytes(self.expected_bytes)}" if self.expected_bytes else ""
        self.emit("receiving", f"receiving {megabytes(count)}{of} MB", force=final)

    def retrying(self, delay: float, reason: str) -> None:
        shown = f"{delay:.0f}" if delay >= 10 or delay == int(delay) else f"{delay:.1f}"
        self.emit("retrying", f"{reason}, retrying in {shown} s")


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The server's wish from `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return moment.timestamp() - (time.time() if now is None else now)


def retry_delay(retries_done: int, retry_after: float | None) -> float:
    """Honour the server's Retry-After up to 120 s, else back off 0.5 -> 8 s with jitter."""
    if retry_after is not None and 0 < retry_after <= MAX_RETRY_AFTER:
        return retry_after
    backoff = min(_INITIAL_BACKOFF * 2**retries_done, _MAX_BACKOFF)
    return backoff * (1 - 0.25 * random.random())


class OpenedConnections:
    """The sockets one request opened, so that cancelling it can shut them down.

    httpcore closes a half-made connection only on `Exception`, and asyncio's
    `CancelledError` is a `BaseException`: a cancel during the TLS handshake would leave
    the socket open. The public `trace` extension hands over each network stream as it
    connects; `shut_down` ends them all (the file descriptor is freed by its owner).
    """

    def __init__(self) -> None:
        self._streams: list[Any] = []

    async def trace(self, name: str, info: Mapping[str, Any]) -> None:
        stream = info.get("return_value")
        if name == "connection.connect_tcp.complete" and stream is not None:
            self._streams.append(stream)

    def shut_down(self) -> None:
        for stream in self._streams:
            sock = stream.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
