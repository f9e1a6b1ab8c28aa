"""The Starlette application: OpenAI-shaped routes plus a loopback-only control API.

Routes: POST /v1/images/edits (and Azure's /openai/deployments/{d}/images/edits),
GET /v1/models, GET /v1/files/{name} (images answered as URLs), and for tests in other
processes POST /__maskpaint__/faults, GET /__maskpaint__/received, POST /__maskpaint__/clear.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from maskpaint.core.api_config import is_loopback
from maskpaint.core.models import known_models
from maskpaint.server.edits import edit_endpoint, unauthorized
from maskpaint.server.faults import Fault, default_error_body, error_body
from maskpaint.server.results import NOTE
from maskpaint.server.state import ServerState

CONTROL_PREFIX = "/__maskpaint__"


class ApiHeaders:
    """Adds what every OpenAI answer carries (x-request-id, processing time) and our note.

    These are defaults: a header the response already has (a fault's own x-request-id)
    is kept as the only value, as a client would see it from the real API.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        request_id = f"req_{secrets.token_hex(16)}".encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = str(int((time.monotonic() - started) * 1000)).encode()
                defaults = [
                    (b"x-request-id", request_id),
                    (b"openai-processing-ms", elapsed),
                    (b"x-maskpaint-note", NOTE.encode()),
                ]
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [(name, value) for name, value in defaults if name not in present]
                message = {**message, "headers": [*headers, *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _record(request: Request) -> None:
    state: ServerState = request.app.state.maskpaint
    state.arrived(request.url.path, request.method, request.headers.items())


async def models_endpoint(request: Request) -> Response:
    _record(request)
    if not request.app.state.maskpaint.authorized(request.headers):
        return unauthorized()
    data = [
        {"id": spec.name, "object": "model", "created": 0, "owned_by": "maskpaint"}
        for spec in known_models()
    ]
    return JSONResponse({"object": "list", "data": data})


async def file_endpoint(request: Request) -> Response:
    """An image answered as a URL; gone after an hour or after an `expire_urls` fault."""
    _record(request)
    stored = request.app.state.maskpaint.files.get(request.path_params["name"])
    if stored is None:
        return JSONResponse(
            error_body(
                "This file has expired or never existed.", param=None, code="file_not_found"
            ),
            404,
        )
    return Response(stored.data, media_type=stored.media_type)


def from_loopback(request: Request) -> bool:
    return is_loopback(request.client.host if request.client else "")


def _control_refused() -> JSONResponse:
    return JSONResponse(
        error_body("The control API answers loopback clients only.", param=None, code=None), 403
    )


async def push_faults_endpoint(request: Request) -> Response:
    if not from_loopback(request):
        return _control_refused()
    try:
        payload: Any = json.loads(await request.body())
        items = payload if isinstance(payload, list) else [payload]
        pushed = [Fault.from_json(item) for item in items]
    except (ValueError, TypeError) as error:
        return JSONResponse(error_body(str(error), param=None, code="invalid_fault"), 400)
    request.app.state.maskpaint.push_faults(pushed)
    return JSONResponse({"pushed": len(pushed)})


async def received_endpoint(request: Request) -> Response:
    if not from_loopback(request):
        return _control_refused()
    return JSONResponse([r.to_json() for r in request.app.state.maskpaint.received])


async def clear_endpoint(request: Request) -> Response:
    if not from_loopback(request):
        return _control_refused()
    request.app.state.maskpaint.clear()
    return JSONResponse({"cleared": True})


async def _not_found(request: Request, exc: Exception) -> Response:
    """OpenAI answers unknown routes with its error JSON, not an HTML page."""
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    message = f"Invalid URL ({request.method} {request.url.path})"
    return JSONResponse(error_body(message, param=None, code=None), status)


async def _server_error(request: Request, exc: Exception) -> Response:
    """A bug answers like OpenAI's 500; the traceback goes to the log, never the client."""
    return JSONResponse(default_error_body(500), 500)


def create_app(state: ServerState) -> Starlette:
    routes = [
        Route("/v1/images/edits", edit_endpoint, methods=["POST"]),
        Route("/openai/deployments/{deployment}/images/edits", edit_endpoint, methods=["POST"]),
        Route("/v1/models", models_endpoint, methods=["GET"]),
        Route("/v1/files/{name}", file_endpoint, methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/faults", push_faults_endpoint, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/received", received_endpoint, methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/clear", clear_endpoint, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={404: _not_found, 405: _not_found, Exception: _server_error},
    )
    app.state.maskpaint = state
    app.add_middleware(ApiHeaders)
    return app
