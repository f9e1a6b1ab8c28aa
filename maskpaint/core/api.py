"""The /v1/images/edits client: send one edit, stream it, parse it, retry it, cancel it.

`ImageEditClient.edit()` is synchronous (the GUI calls it from a worker thread, the CLI
from its main thread) but runs an httpx2.AsyncClient on a private event loop, so a
`CancelToken` can stop it from any other thread within milliseconds, at any phase,
closing the connection. Callbacks run on the calling thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx2

from maskpaint.core.answer_errors import truncated_answer, unreadable_answer
from maskpaint.core.answers import Collector, read_event, read_json_answer
from maskpaint.core.api_config import ClientConfig
from maskpaint.core.api_errors import (
    ApiError,
    AuthenticationError,
    BadRequest,
    Cancelled,
    ConnectionFailed,
    GatewayError,
    ImageLinkExpired,
    ModerationBlocked,
    NotFound,
    PermissionDenied,
    ProtocolError,
    QuotaExceeded,
    RateLimited,
    ServerError,
    TimedOut,
    error_from_response,
    should_retry,
)
from maskpaint.core.api_types import EditResult, PartialImage, Progress, Variant
from maskpaint.core.request import EditRequest
from maskpaint.core.transport import (
    OpenedConnections,
    ProgressReporter,
    encode_form,
    retry_after_seconds,
    retry_delay,
    upload_chunks,
)

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadRequest",
    "CancelToken",
    "Cancelled",
    "ClientConfig",
    "ConnectionFailed",
    "EditResult",
    "GatewayError",
    "ImageEditClient",
    "ImageLinkExpired",
    "ModerationBlocked",
    "NotFound",
    "PartialImage",
    "PermissionDenied",
    "Progress",
    "ProtocolError",
    "QuotaExceeded",
    "RateLimited",
    "ServerError",
    "TimedOut",
    "Variant",
]

log = logging.getLogger("maskpaint.api")
T = TypeVar("T")

#: Base64 lines of big images are tens of MB; httpx2's SSE default (1 MB) is far too small.
MAX_EVENT_BYTES = 256 * 1024 * 1024
_EVENT_STREAM = "text/event-stream"
_MAX_REDIRECTS = 5


class CancelToken:
    """Thread-safe cancel switch: `cancel()` from any thread stops the edit it was given to."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._listeners: list[Callable[[], None]] = []

    def cancel(self) -> None:
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            listeners, self._listeners = self._listeners, []
        for listener in listeners:
            listener()

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def _subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` on cancel (at once if already cancelled); returns an unsubscribe."""
        with self._lock:
            if not self._cancelled:
                self._listeners.append(listener)
                return lambda: self._unsubscribe(listener)
        listener()
        return lambda: None

    def _unsubscribe(self, listener: Callable[[], None]) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)


class _Attempt:
    """The mutable facts of one try: did the answer's body start (then never retry)?"""

    def __init__(self) -> None:
        self.body_started = False
        self.request_id: str | None = None


class ImageEditClient:
    """One endpoint's client. Not for concurrent edits: calls are serialized."""

    def __init__(
        self, config: ClientConfig, *, transport: httpx2.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        self._transport = transport  # tests only: force byte-level faults
        self._loop = asyncio.new_event_loop()
        self._http: httpx2.AsyncClient | None = None
        self._lock = threading.Lock()
        self._closed = False

    def __repr__(self) -> str:
        return f"ImageEditClient({self.config!r})"

    def __enter__(self) -> ImageEditClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def edit(
        self,
        request: EditRequest,
        *,
        on_variant: Callable[[Variant], None] | None = None,
        on_partial: Callable[[PartialImage], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> EditResult:
        """Send the edit and return every image; raise a typed ApiError on failure.

        `on_variant` gets each image as soon as it is decoded, before the next one is
        parsed. Errors carry `partial_variants`, so nothing already paid for is lost.
        """
        collector = Collector(on_variant, on_partial)
        started = time.monotonic()
        progress = ProgressReporter(on_progress, started)
        try:
            return self._run(self._edit(request, collector, progress, started), cancel)
        except ApiError as error:
            error.partial_variants = tuple(collector.variants)
            log.info("edit failed: %s (%s)", type(error).__name__, error.detail)
            raise

    def list_models(self, cancel: CancelToken | None = None) -> list[str]:
        """The model ids the endpoint lists (the Settings' "Test connection")."""
        return self._run(self._list_models(), cancel)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._http is not None:
                self._loop.run_until_complete(self._http.aclose())
            self._loop.close()

    # -- the event loop --------------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, T], cancel: CancelToken | None) -> T:
        with self._lock:
            if self._closed:
                coro.close()
                raise RuntimeError("ImageEditClient is closed")
            task = self._loop.create_task(coro)
            stop = cancel._subscribe(lambda: self._cancel(task)) if cancel is not None else _nothing
            try:
                return self._loop.run_until_complete(task)
            except asyncio.CancelledError:
                raise Cancelled(
                    "The edit was cancelled; images that had already arrived are kept.",
                    detail="cancelled by the user",
                ) from None
            except BaseException:  # Ctrl-C in the CLI: close the connection, then go
                task.cancel()
                with contextlib.suppress(BaseException):
                    self._loop.run_until_complete(task)
                raise
            finally:
                stop()

    def _cancel(self, task: asyncio.Task[Any]) -> None:
        """From any thread: cancel the task on the loop's thread, closing its connection."""
        if not self._loop.is_closed():
            self._loop.call_soon_threadsafe(task.cancel)

    def _client(self) -> httpx2.AsyncClient:
        if self._http is None:
            timeout = httpx2.Timeout(self.config.total_timeout, connect=self.config.connect_timeout)
            self._http = httpx2.AsyncClient(timeout=timeout, transport=self._transport)
        return self._http

    # -- the edit ----------------------------------------------------------------------

    async def _edit(
        self,
        request: EditRequest,
        collector: Collector,
        progress: ProgressReporter,
        started: float,
    ) -> EditResult:
        retries = 0
        while True:
            attempt = _Attempt()
            try:
                async with asyncio.timeout(self.config.total_timeout):
                    await self._attempt(request, collector, progress, attempt)
                break
            except TimeoutError:
                raise _timed_out(self.config.total_timeout) from None
            except ApiError as error:
                if error.request_id is None:
                    error.request_id = attempt.request_id
                if (
                    attempt.body_started
                    or retries >= self.config.max_retries
                    or not should_retry(error)
                ):
                    raise
                delay = retry_delay(retries, error.retry_after)
                log.info("retrying after %s in %.1f s", type(error).__name__, delay)
                progress.retrying(delay, _retry_reason(error))
                await asyncio.sleep(delay)
                retries += 1
        return _result(request, collector, attempt, time.monotonic() - started, retries)

    async def _attempt(
        self,
        request: EditRequest,
        collector: Collector,
        progress: ProgressReporter,
        attempt: _Attempt,
    ) -> None:
        progress.emit("preparing", "preparing the request")
        body = encode_form(request)
        headers = {**self.config.headers(), **body.headers}
        progress.start_upload(body.length)
        log.info(
            "POST %s (%s, %d bytes)", _loggable(self.config.edits_url), request.model, body.length
        )
        connections = OpenedConnections()
        try:
            async with self._client().stream(
                "POST",
                self.config.edits_url,
                params=self.config.query,
                headers=headers,
                content=upload_chunks(body, progress),
                extensions={"trace": connections.trace},
            ) as response:
                attempt.request_id = response.headers.get("x-request-id")
                log.info("answer %d (request id %s)", response.status_code, attempt.request_id)
                if response.status_code >= 400:
                    await _raise_for_status(response)
                attempt.body_started = True
                await self._read_answer(response, collector, progress)
        except httpx2.HTTPError as exc:
            raise _transport_error(exc, attempt.body_started) from None
        except asyncio.CancelledError:
            connections.shut_down()
            raise

    async def _read_answer(
        self, response: httpx2.Response, collector: Collector, progress: ProgressReporter
    ) -> None:
        content_type = response.headers.get("content-type", "")
        length = response.headers.get("content-length")
        progress.expected_bytes = int(length) if length and length.isdigit() else None
        progress.received(0, final=True)
        if content_type.split(";")[0].strip().lower() == _EVENT_STREAM:
            await self._read_stream(response, collector, progress)
            return
        chunks = []
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            progress.received(response.num_bytes_downloaded)
        progress.received(response.num_bytes_downloaded, final=True)
        await read_json_answer(b"".join(chunks), content_type, collector, self._fetch)

    async def _read_stream(
        self, response: httpx2.Response, collector: Collector, progress: ProgressReporter
    ) -> None:
        source = httpx2.EventSource(response, max_event_size=MAX_EVENT_BYTES)
        try:
            async for event in source:
                progress.received(response.num_bytes_downloaded)
                await read_event(event.data, event.event, collector, self._fetch)
                if collector.done:
                    break
        except httpx2.SSEError as exc:
            raise unreadable_answer("a stream event larger than 256 MB") from exc
        if not collector.variants:
            raise unreadable_answer("a stream that ended before any image")

    async def _fetch(self, url: str) -> bytes:
        """Download an image link from the answer; the key goes only to the API's own host.

        Redirects are followed by hand so that a hop to another host (a CDN) never
        carries the key, whichever header it travels in.
        """
        link = urljoin(self.config.base_url.rstrip("/") + "/", url)
        for _ in range(_MAX_REDIRECTS):
            headers = self.config.headers() if self.config.same_origin(link) else {}
            response = await self._client().get(link, headers=headers)
            if not response.is_redirect:
                break
            link = urljoin(link, response.headers["location"])
        if response.status_code in (403, 404, 410):
            raise ImageLinkExpired(
                "The image link in the answer has expired, so the image could not be "
                "downloaded; run the edit again.",
                detail=f"GET image link: {response.status_code}",
                status=response.status_code,
            )
        if response.status_code >= 300:
            raise error_from_response(
                response.status_code, response.headers, response.content, retry_after=None
            )
        return response.content

    # -- models ------------------------------------------------------------------------

    async def _list_models(self) -> list[str]:
        try:
            response = await self._client().get(
                self.config.models_url, params=self.config.query, headers=self.config.headers()
            )
        except httpx2.HTTPError as exc:
            raise _transport_error(exc, body_started=False) from None
        if response.status_code >= 400:
            raise error_from_response(
                response.status_code, response.headers, response.content, retry_after=None
            )
        try:
            items = response.json().get("data", [])
        except (ValueError, AttributeError):
            raise unreadable_answer("a model list that is not valid JSON") from None
        return sorted(str(item["id"]) for item in items if isinstance(item, dict) and "id" in item)


async def _raise_for_status(response: httpx2.Response) -> None:
    body = await response.aread()
    raise error_from_response(
        response.status_code,
        response.headers,
        body,
        retry_after=retry_after_seconds(response.headers),
    )


def _transport_error(exc: httpx2.HTTPError, body_started: bool) -> ApiError:
    """Map httpx2's exceptions onto ours; a break after the body began is a cut-off answer."""
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, httpx2.ConnectTimeout | httpx2.ConnectError):
        return ConnectionFailed(
            "Could not connect to the server; check the base URL and your internet "
            "connection, then try again.",
            detail=detail,
        )
    if isinstance(exc, httpx2.TimeoutException):
        timed_out = _timed_out(None)
        timed_out.detail = detail
        return timed_out
    if isinstance(exc, httpx2.UnsupportedProtocol | httpx2.InvalidURL):
        return BadRequest(
            "The base URL is not a valid http(s) address; correct it in Settings.",
            detail=detail,
        )
    if body_started:
        truncated = truncated_answer()
        truncated.detail = detail
        return truncated
    return ConnectionFailed(
        "The connection broke before the server answered; try again.", detail=detail
    )


def _timed_out(seconds: float | None) -> TimedOut:
    limit = f" within {seconds:.0f} s" if seconds else " in time"
    return TimedOut(
        f"The server did not finish{limit}; try again, or raise the time limit in Settings.",
        detail="timeout",
    )


def _retry_reason(error: ApiError) -> str:
    if isinstance(error, RateLimited):
        return "rate limited"
    if isinstance(error, ConnectionFailed):
        return "connection failed"
    return f"server error {error.status}" if error.status else "server error"


def _result(
    request: EditRequest, collector: Collector, attempt: _Attempt, elapsed: float, retries: int
) -> EditResult:
    meta = collector.meta
    notes = list(collector.notes)
    wanted = request.n or 1
    if len(collector.variants) < wanted:
        notes.append(f"{len(collector.variants)} of the {wanted} images requested arrived.")
    return EditResult(
        variants=tuple(collector.variants),
        usage=meta.get("usage"),
        created=meta.get("created"),
        size=meta.get("size"),
        quality=meta.get("quality"),
        output_format=meta.get("output_format"),
        background=meta.get("background"),
        request_id=attempt.request_id,
        elapsed=elapsed,
        retries=retries,
        notes=tuple(notes),
    )


def _loggable(url: str) -> str:
    """The URL without any user:password@ part, which some gateway URLs carry."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def _nothing() -> None:
    """The unsubscribe of an edit without a cancel token."""
