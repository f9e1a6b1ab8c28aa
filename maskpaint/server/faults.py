"""Faults the test suite asks the server for, and the responses that deliver them.

A fault replaces the answer to one edit request. Most are ordinary responses
(a status with an error body, a proxy's HTML page, garbage, nothing). Three need
byte-level control that Starlette does not give: `truncate` and `drop` cut the TCP
connection at a chosen byte, `slow` dribbles the body. They write raw ASGI messages
and close the transport that `embedded.TransportExposingH11` puts into the scope.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from http import HTTPStatus
from types import MappingProxyType
from typing import Any, Literal, get_args

from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send

FaultKind = Literal[
    "delay",
    "status",
    "html",
    "truncate",
    "drop",
    "slow",
    "garbage",
    "empty",
    "expire_urls",
    "stream_error",
    "generation_events",
    "chat_completion",
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
#: The scope extension under which the server hands the app its connection.
TRANSPORT_KEY = "maskpaint.transport"


@dataclass(frozen=True)
class Fault:
    """One misbehaviour, consumed by the next edit request (see the module docstring).

    delay: wait `seconds`, then answer normally. status: answer `status` with `body`
    (a dict as JSON, a str as is; None: OpenAI's error for that status) and `headers`.
    html: a proxy's HTML error page with `status`. truncate: the normal answer's headers
    (full Content-Length) and only `after_bytes` of its body, then close. drop: close the
    connection without an answer. slow: the normal body in small chunks over `seconds`.
    garbage: 200 with bytes that are not JSON. empty: 200 with an empty body.
    expire_urls: answer normally, but every file URL (these included) is already gone.
    stream_error: in a stream, one partial image then an in-stream error event.
    generation_events: a stream of image_generation.* events instead of image_edit.*, as
    some gateways send for edits; a request without stream=true is answered normally.
    chat_completion: a gateway's chat.completion body holding the images as markdown;
    `body` picks "url" links, "data" URIs, or "mixed" (the default, alternating).
    """

    kind: FaultKind
    status: int = 500
    body: str | dict[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    seconds: float = 0.0
    after_bytes: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(FAULT_KINDS)}")
        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))

    def to_json(self) -> dict[str, Any]:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {**values, "headers": dict(self.headers)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """A fault from the control endpoint's JSON; unknown keys are an error, not ignored."""
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        return cls(**data)


_DEFAULT_ERRORS: dict[int, tuple[str, str, str | None]] = {
    400: ("invalid_request_error", "Bad request.", None),
    401: ("invalid_request_error", "Incorrect API key provided.", "invalid_api_key"),
    403: ("invalid_request_error", "Your organization must be verified.", None),
    404: ("invalid_request_error", "Not found.", None),
    408: ("server_error", "Request timed out.", None),
    409: ("server_error", "Conflict, please retry.", None),
    429: (
        "requests",
        "Rate limit reached for images per minute. Please try again in 1s.",
        "rate_limit_exceeded",
    ),
    500: ("server_error", "The server had an error while processing your request.", None),
    502: ("server_error", "Bad gateway.", None),
    503: ("server_error", "The engine is currently overloaded, please try again later.", None),
}


def error_body(
    message: str, *, type_: str = "invalid_request_error", param: str | None, code: str | None
) -> dict[str, Any]:
    """OpenAI's error envelope."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def default_error_body(status: int) -> dict[str, Any]:
    """OpenAI's usual error for `status` (its 500 error for a status it has none for)."""
    type_, message, code = _DEFAULT_ERRORS.get(status, _DEFAULT_ERRORS[500])
    return error_body(message, type_=type_, param=None, code=code)


def status_response(fault: Fault) -> Response:
    """`status`: the given body, or OpenAI's usual error for that status."""
    headers = dict(fault.headers)
    if isinstance(fault.body, dict):
        return JSONResponse(fault.body, fault.status, headers)
    if isinstance(fault.body, str):
        media = "application/json" if _is_json(fault.body) else "text/plain"
        return Response(fault.body, fault.status, headers, media_type=media)
    return JSONResponse(default_error_body(fault.status), fault.status, headers)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


_HTML_PAGE = """<html>
<head><title>{status} {reason}</title></head>
<body>
<center><h1>{status} {reason}</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""


def html_response(fault: Fault) -> Response:
    """A reverse proxy's error page, as nginx in front of an API sends it."""
    try:
        reason = HTTPStatus(fault.status).phrase
    except ValueError:
        reason = "Error"
    page = (
        fault.body
        if isinstance(fault.body, str)
        else _HTML_PAGE.format(status=fault.status, reason=reason)
    )
    return HTMLResponse(page, fault.status, dict(fault.headers))


def garbage_response() -> Response:
    """A 200 that claims JSON but is not (a broken gateway, a captive portal)."""
    return Response(b"\x89\x00garbage \xff\xfe not json {", 200, media_type="application/json")


def empty_response() -> Response:
    return Response(b"", 200, media_type="application/json")


async def _close_connection(scope: Scope) -> None:
    """Cut the TCP connection and let the server notice before the app returns."""
    transport = scope.get("extensions", {}).get(TRANSPORT_KEY)
    if transport is None:
        raise RuntimeError("byte-level faults need the EmbeddedServer's HTTP protocol")
    transport.close()
    # connection_lost runs on a later loop turn; after it the server treats the
    # unfinished response as a client disconnect instead of logging an app error.
    for _ in range(3):
        await asyncio.sleep(0)


class DroppedResponse(Response):
    """No status line, no headers: the connection just closes."""

    def __init__(self) -> None:
        super().__init__(b"")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _close_connection(scope)


class _Rewritten(Response):
    """A finished answer sent again by hand, byte by byte, to misbehave on the wire."""

    def __init__(self, whole: Response) -> None:
        super().__init__(b"")
        self.whole = whole

    async def _head(self, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": self.whole.status_code,
                "headers": self.whole.raw_headers,
            }
        )

    async def _body(self, send: Send, chunk: bytes, *, more: bool = True) -> None:
        await send({"type": "http.response.body", "body": chunk, "more_body": more})


class TruncatedResponse(_Rewritten):
    """The full answer's headers, then `after_bytes` of its body, then the connection closes."""

    def __init__(self, whole: Response, after_bytes: int) -> None:
        super().__init__(whole)
        self.after_bytes = max(0, min(after_bytes, len(whole.body) - 1))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._head(send)
        await self._body(send, self.whole.body[: self.after_bytes])
        await _close_connection(scope)


class SlowResponse(_Rewritten):
    """The full answer, its body sent in small chunks spread over `seconds`."""

    chunks = 20

    def __init__(self, whole: Response, seconds: float) -> None:
        super().__init__(whole)
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._head(send)
        body = self.whole.body
        step = max(1, -(-len(body) // self.chunks))
        for start in range(0, len(body), step):
            await asyncio.sleep(self.seconds / self.chunks)
            await self._body(send, body[start : start + step])
        await self._body(send, b"", more=False)
