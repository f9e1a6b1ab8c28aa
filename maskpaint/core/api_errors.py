"""The typed errors of the image-edit client, and how an HTTP answer maps onto them.

Each error says in one sentence what happened and what to do. Every one keeps
`partial_variants`: the images that had already arrived (and were paid for) before
the failure, so a caller can still save them. Messages are built from status codes
and the API's own words, never from request headers, so the key cannot leak.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from maskpaint.core.errors import MaskpaintError

_MAX_QUOTE = 300


class ApiError(MaskpaintError):
    """Anything that went wrong talking to the image-edit endpoint."""

    #: Whether sending the same request again may succeed (before any body arrived).
    retryable: bool = False

    def __init__(
        self,
        user_message: str,
        *,
        detail: str | None = None,
        status: int | None = None,
        code: str | None = None,
        type: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(user_message, detail=detail)
        self.status = status
        self.code = code
        self.type = type
        self.param = param
        self.request_id = request_id
        self.retry_after = retry_after
        self.partial_variants: tuple[Any, ...] = ()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.user_message!r}, status={self.status}, "
            f"code={self.code!r}, request_id={self.request_id!r})"
        )


class AuthenticationError(ApiError):
    """401: the key is missing, wrong or revoked."""


class PermissionDenied(ApiError):
    """403: the key may not use this model or endpoint (e.g. unverified organization)."""


class RateLimited(ApiError):
    """429 rate_limit_exceeded: too many requests right now; waiting helps."""

    retryable = True


class QuotaExceeded(ApiError):
    """429 insufficient_quota / billing_hard_limit_reached: waiting does not help."""


class ModerationBlocked(ApiError):
    """The safety system refused the prompt or image; the same request fails again."""


class BadRequest(ApiError):
    """Another 4xx: the API rejected the request and said why."""


class NotFound(BadRequest):
    """404: wrong base URL, deployment or model name."""


class ServerError(ApiError):
    """5xx (and 408/409): a problem on the server's side, often temporary."""

    retryable = True


class GatewayError(ServerError):
    """A proxy answered with an HTML page instead of the API's JSON."""


class ConnectionFailed(ApiError):
    """No connection, or it broke before an answer began."""

    retryable = True


class TimedOut(ApiError):
    """The server took longer than the configured time."""


class ProtocolError(ApiError):
    """The answer arrived but is unusable: empty, not JSON, cut off, or without images."""


class ImageLinkExpired(ProtocolError):
    """An image URL in the answer could not be downloaded any more (403/404)."""


class Cancelled(ApiError):
    """The user cancelled; images already received are kept."""


def _quote(text: str) -> str:
    """The API's words, trimmed, for quoting inside our sentence."""
    text = " ".join(text.split())
    if len(text) > _MAX_QUOTE:
        text = text[: _MAX_QUOTE - 1] + "…"
    return text.rstrip(".")


def _error_fields(body: bytes) -> dict[str, Any] | None:
    """The `{"error": {...}}` object of an error body, if it has one."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    error = payload.get("error")
    if isinstance(error, dict):
        return error
    if isinstance(error, str):  # some gateways send {"error": "text"}
        return {"message": error}
    if isinstance(payload.get("message"), str):  # others send {"message": "..."} alone
        return {"message": payload["message"], "code": payload.get("code")}
    return None


def is_html(body: bytes, content_type: str) -> bool:
    """Proxies and load balancers answer with HTML pages; the API never does."""
    head = body.lstrip()[:15].lower()
    return "text/html" in content_type or head.startswith((b"<!doctype html", b"<html"))


def error_from_fields(
    error: Mapping[str, Any], *, status: int | None, request_id: str | None = None
) -> ApiError:
    """Build the typed error for the API's `error` object (also used for in-stream errors)."""
    message = str(error.get("message") or "")
    code = error.get("code")
    code = str(code) if code is not None else None
    kind = error.get("type")
    kind = str(kind) if kind is not None else None
    param = error.get("param")
    param = str(param) if param is not None else None
    cls, sentence = _classify(status, code, kind, message)
    return cls(
        sentence,
        detail=f"status {status}, code {code}, type {kind}, param {param}: {message}",
        status=status,
        code=code,
        type=kind,
        param=param,
        request_id=request_id,
    )


def _classify(
    status: int | None, code: str | None, kind: str | None, message: str
) -> tuple[type[ApiError], str]:
    said = f" (the API said: “{_quote(message)}”)" if message else ""
    if code == "moderation_blocked" or kind == "image_generation_user_error":
        return ModerationBlocked, (
            f"The safety system refused this edit{said}; change the prompt or the image "
            "and try again."
        )
    if code in ("insufficient_quota", "billing_hard_limit_reached"):
        return QuotaExceeded, (
            f"The account has no credit left{said}; add credit or raise the limit in the "
            "billing settings, then try again."
        )
    if status == 401:
        return AuthenticationError, (f"The API key was refused{said}; check it in Settings.")
    if status == 403:
        if "verif" in message.lower():
            return PermissionDenied, (
                "Your organization must be verified to use this model; verify it in the "
                "OpenAI platform settings (it can take 15 minutes) or choose another model."
            )
        return PermissionDenied, (
            f"This key may not use this model or endpoint{said}; check the key's project "
            "permissions or choose another model."
        )
    if status == 429:
        return RateLimited, (f"Too many requests right now{said}; wait a minute and try again.")
    if status == 404:
        return NotFound, (
            f"The server has no such endpoint or model{said}; check the base URL and the "
            "model name in Settings."
        )
    if status == 408:
        return TimedOut, "The server gave up waiting for the request; try again."
    if status is not None and (status >= 500 or status == 409):
        return ServerError, (
            f"The server had a problem (HTTP {status}){said}; try again in a moment."
        )
    if status is None:
        return ServerError, f"The server reported an error while answering{said}; try again."
    return BadRequest, (
        f"The API rejected the request{said}; change what it names and try again."
        if message
        else f"The API rejected the request (HTTP {status}); check the settings and try again."
    )


def error_from_response(
    status: int, headers: Mapping[str, str], body: bytes, *, retry_after: float | None
) -> ApiError:
    """The typed error for a non-2xx answer: the API's JSON, a proxy's HTML page, or nothing."""
    request_id = headers.get("x-request-id")
    content_type = headers.get("content-type", "")
    fields = _error_fields(body)
    if fields is not None:
        error = error_from_fields(fields, status=status, request_id=request_id)
    elif is_html(body, content_type):
        error = GatewayError(
            f"The gateway answered {status} with an HTML page instead of the API's answer; "
            "check the base URL, or try again if the service is overloaded.",
            detail=f"HTML error page, {len(body)} bytes",
            status=status,
            request_id=request_id,
        )
    else:
        cls, sentence = _classify(status, None, None, body.decode("utf-8", "replace")[:200])
        error = cls(sentence, detail=f"status {status}, {len(body)} bytes", status=status)
        error.request_id = request_id
    error.retry_after = retry_after
    return error


def should_retry(error: ApiError) -> bool:
    """Retry rate limits, 408/409/5xx and broken connections; never quota or moderation."""
    if isinstance(error, QuotaExceeded | ModerationBlocked):
        return False
    if error.status in (408, 409):
        return True
    return error.retryable
