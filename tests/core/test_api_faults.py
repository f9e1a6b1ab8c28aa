"""Every fault the server can be asked for gives its documented, typed error; nothing is lost."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from maskpaint.core.api import (
    ApiError,
    Cancelled,
    CancelToken,
    ClientConfig,
    ConnectionFailed,
    GatewayError,
    ImageEditClient,
    ImageLinkExpired,
    ModerationBlocked,
    PermissionDenied,
    Progress,
    ProtocolError,
    QuotaExceeded,
    RateLimited,
    ServerError,
    TimedOut,
)
from maskpaint.server import EmbeddedServer, Fault
from tests.core.api_support import FAKE_KEY, b64, edit_request


def _client(server: EmbeddedServer, **config: Any) -> ImageEditClient:
    return ImageEditClient(ClientConfig(base_url=server.base_url, api_key=FAKE_KEY, **config))


def _error_body(code: str | None, message: str, kind: str = "invalid_request_error") -> str:
    return json.dumps({"error": {"message": message, "type": kind, "param": None, "code": code}})


def _fail(server: EmbeddedServer, photo: Path, **request: Any) -> ApiError:
    retries = request.pop("max_retries", 2)
    with _client(server, max_retries=retries) as client, pytest.raises(ApiError) as info:
        client.edit(edit_request(photo, **request))
    return info.value


def test_429_is_retried_after_retry_after(local_server: EmbeddedServer, coffee_path: Path) -> None:
    local_server.push_faults(
        Fault(
            kind="status",
            status=429,
            body=_error_body("rate_limit_exceeded", "Rate limit reached", "requests"),
            headers={"Retry-After": "1"},
        )
    )
    progress: list[Progress] = []
    with _client(local_server) as client:
        result = client.edit(edit_request(coffee_path), on_progress=progress.append)
    first, second = local_server.received
    assert second.at - first.at >= 1.0
    assert result.retries == 1
    assert len(result.variants) == 1
    retrying = [p for p in progress if p.phase == "retrying"]
    assert [p.message for p in retrying] == ["rate limited, retrying in 1 s"]


def test_5xx_is_retried_twice_then_reported(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    body = _error_body(None, "The server had an error", "server_error")
    local_server.push_faults(*[Fault(kind="status", status=500, body=body)] * 3)
    error = _fail(local_server, coffee_path)
    assert isinstance(error, ServerError)
    assert error.status == 500
    assert "try again" in error.user_message
    assert len(local_server.received) == 3


def test_insufficient_quota_is_not_retried(local_server: EmbeddedServer, coffee_path: Path) -> None:
    local_server.push_faults(
        Fault(kind="status", status=429, body=_error_body("insufficient_quota", "No quota"))
    )
    error = _fail(local_server, coffee_path)
    assert isinstance(error, QuotaExceeded)
    assert "add credit" in error.user_message
    assert len(local_server.received) == 1


def test_billing_hard_limit_is_quota_and_not_retried(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    body = _error_body("billing_hard_limit_reached", "Billing hard limit has been reached")
    local_server.push_faults(Fault(kind="status", status=400, body=body))
    assert isinstance(_fail(local_server, coffee_path), QuotaExceeded)
    assert len(local_server.received) == 1


def test_moderation_block_is_not_retried(local_server: EmbeddedServer, coffee_path: Path) -> None:
    body = _error_body(
        "moderation_blocked",
        "Your request was rejected by the safety system.",
        "image_generation_user_error",
    )
    local_server.push_faults(Fault(kind="status", status=400, body=body))
    error = _fail(local_server, coffee_path)
    assert isinstance(error, ModerationBlocked)
    assert "rejected by the safety system" in error.user_message
    assert len(local_server.received) == 1


def test_unverified_organization_says_what_to_do(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    body = _error_body(None, "Your organization must be verified to use the model `gpt-image-1`.")
    local_server.push_faults(Fault(kind="status", status=403, body=body))
    error = _fail(local_server, coffee_path)
    assert isinstance(error, PermissionDenied)
    assert "verify it" in error.user_message
    assert len(local_server.received) == 1


def test_other_4xx_quote_the_api_and_keep_its_fields(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    body = json.dumps(
        {
            "error": {
                "message": "Invalid mask image format - mask size does not match image size",
                "type": "invalid_request_error",
                "param": "mask",
                "code": "invalid_image_format",
            }
        }
    )
    local_server.push_faults(Fault(kind="status", status=400, body=body))
    error = _fail(local_server, coffee_path)
    assert type(error).__name__ == "BadRequest"
    assert "mask size does not match image size" in error.user_message
    assert (error.status, error.code, error.param) == (400, "invalid_image_format", "mask")
    assert error.request_id is not None and error.request_id.startswith("req_")
    assert len(local_server.received) == 1


def test_the_error_carries_the_request_id_the_server_sent(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    local_server.push_faults(Fault(kind="status", status=400, headers={"x-request-id": "req_42"}))
    error = _fail(local_server, coffee_path)
    assert error.request_id == "req_42"


def test_an_html_error_page_is_a_gateway_error(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    local_server.push_faults(Fault(kind="html", status=502))
    error = _fail(local_server, coffee_path, max_retries=0)
    assert isinstance(error, GatewayError)
    assert "gateway answered 502 with an HTML page" in error.user_message


def test_an_empty_body_is_a_protocol_error(local_server: EmbeddedServer, coffee_path: Path) -> None:
    local_server.push_faults(Fault(kind="empty"))
    error = _fail(local_server, coffee_path)
    assert isinstance(error, ProtocolError)
    assert "empty answer" in error.user_message
    assert len(local_server.received) == 1


def test_garbage_is_a_protocol_error(local_server: EmbeddedServer, coffee_path: Path) -> None:
    local_server.push_faults(Fault(kind="garbage"))
    error = _fail(local_server, coffee_path)
    assert isinstance(error, ProtocolError)
    assert len(local_server.received) == 1


def test_base64_that_is_not_an_image_is_a_protocol_error(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    body = json.dumps({"created": 1, "data": [{"b64_json": b64(b"hello, not a picture")}]})
    local_server.push_faults(Fault(kind="status", status=200, body=body))
    error = _fail(local_server, coffee_path)
    assert isinstance(error, ProtocolError)
    assert "not a PNG, JPEG or WebP" in error.user_message


def test_a_200_without_images_is_a_protocol_error(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    local_server.push_faults(Fault(kind="status", status=200, body='{"created": 1, "data": []}'))
    error = _fail(local_server, coffee_path)
    assert isinstance(error, ProtocolError)
    assert "without any image" in error.user_message


def test_a_truncated_body_is_not_retried(local_server: EmbeddedServer, coffee_path: Path) -> None:
    local_server.push_faults(Fault(kind="truncate", after_bytes=2000))
    error = _fail(local_server, coffee_path, n=2)
    assert isinstance(error, ProtocolError)
    assert "cut off" in error.user_message
    assert len(local_server.received) == 1


def test_a_stream_cut_after_the_first_image_keeps_it(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    # Fail mid-way through the second image: the first one must come back in the error.
    with _client(local_server) as client:
        whole = client.edit(edit_request(coffee_path, n=2, stream=True))
    local_server.clear()
    halfway_through_second = len(whole.variants[0].data) * 4 // 3 * 3 // 2
    local_server.push_faults(Fault(kind="truncate", after_bytes=halfway_through_second))
    saved: list[bytes] = []
    with _client(local_server) as client, pytest.raises(ProtocolError) as info:
        client.edit(
            edit_request(coffee_path, n=2, stream=True),
            on_variant=lambda v: saved.append(v.data),
        )
    assert len(info.value.partial_variants) == 1
    assert saved == [info.value.partial_variants[0].data]
    assert len(local_server.received) == 1


def test_a_connection_dropped_before_any_answer_is_retried(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    local_server.push_faults(Fault(kind="drop"))
    with _client(local_server) as client:
        result = client.edit(edit_request(coffee_path))
    assert result.retries == 1
    assert len(result.variants) == 1
    assert len(local_server.received) == 2


def test_a_dropped_connection_without_retries_left_is_a_connection_failure(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    local_server.push_faults(Fault(kind="drop"))
    error = _fail(local_server, coffee_path, max_retries=0)
    assert isinstance(error, ConnectionFailed)
    assert "broke before the server answered" in error.user_message


def test_an_in_stream_error_is_typed_and_keeps_earlier_images(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    local_server.push_faults(Fault(kind="stream_error"))
    error = _fail(local_server, coffee_path, n=2, stream=True)
    assert isinstance(error, ApiError)
    assert error.user_message.endswith(".")
    assert len(local_server.received) == 1


def test_a_slow_server_times_out_with_advice(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    local_server.push_faults(Fault(kind="delay", seconds=5))
    with _client(local_server, total_timeout=0.5) as client, pytest.raises(TimedOut) as info:
        client.edit(edit_request(coffee_path))
    assert "raise the time limit in Settings" in info.value.user_message
    assert len(local_server.received) <= 1


def test_expired_image_links_say_so(coffee_path: Path) -> None:
    server = EmbeddedServer("127.0.0.1", serve_urls=True)
    server.start()
    try:
        server.push_faults(Fault(kind="expire_urls"))
        error = _fail(server, coffee_path)
    finally:
        server.stop()
    assert isinstance(error, ImageLinkExpired)
    assert "expired" in error.user_message


def test_nothing_listens_is_a_connection_failure_after_retries(coffee_path: Path) -> None:
    config = ClientConfig(base_url="http://127.0.0.1:9/v1", api_key=FAKE_KEY, max_retries=1)
    with ImageEditClient(config) as client, pytest.raises(ConnectionFailed) as info:
        client.edit(edit_request(coffee_path))
    assert "Could not connect" in info.value.user_message


def _server_has_a_request(server: EmbeddedServer) -> bool:
    """Bounded wait (not a timing check) until the server has recorded a request."""
    deadline = time.monotonic() + 10
    while not server.received and time.monotonic() < deadline:
        time.sleep(0.01)
    return bool(server.received)


def _cancel_when(event: threading.Event, token: CancelToken, stamps: list[float]) -> None:
    event.wait(30)
    stamps.append(time.monotonic())
    token.cancel()


def test_cancel_mid_stream_returns_within_a_second(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    local_server.push_faults(Fault(kind="slow", seconds=30))
    token, first_bytes, stamps = CancelToken(), threading.Event(), []

    def on_progress(progress: Progress) -> None:
        if progress.phase == "receiving" and progress.received_bytes > 0:
            first_bytes.set()

    canceller = threading.Thread(target=_cancel_when, args=(first_bytes, token, stamps))
    canceller.start()
    with _client(local_server) as client, pytest.raises(Cancelled) as info:
        client.edit(
            edit_request(coffee_path, n=2, stream=True, partial_images=2),
            on_progress=on_progress,
            cancel=token,
        )
    returned = time.monotonic()
    canceller.join()
    assert returned - stamps[0] < 1.0
    assert "cancelled" in info.value.user_message


def test_cancel_while_waiting_returns_within_a_second(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    local_server.push_faults(Fault(kind="delay", seconds=30))
    token, working, stamps = CancelToken(), threading.Event(), []

    def on_progress(progress: Progress) -> None:
        # Cancel once the server holds the whole request (so no record of it comes late).
        if progress.phase == "waiting" and _server_has_a_request(local_server):
            working.set()

    canceller = threading.Thread(target=_cancel_when, args=(working, token, stamps))
    canceller.start()
    with _client(local_server) as client, pytest.raises(Cancelled):
        client.edit(edit_request(coffee_path), on_progress=on_progress, cancel=token)
    returned = time.monotonic()
    canceller.join()
    assert returned - stamps[0] < 1.0


def test_a_token_cancelled_before_the_edit_sends_nothing(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    token = CancelToken()
    token.cancel()
    with _client(local_server) as client, pytest.raises(Cancelled):
        client.edit(edit_request(coffee_path, user="never-sent"), cancel=token)
    assert all(r.fields.get("user") != "never-sent" for r in local_server.received)


def test_the_key_is_in_no_error_text_repr_or_log(
    local_server: EmbeddedServer, coffee_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    local_server.push_faults(
        Fault(kind="status", status=401, body=_error_body("invalid_api_key", "Incorrect API key")),
        Fault(kind="html", status=502),
        Fault(kind="garbage"),
    )
    errors = [_fail(local_server, coffee_path, max_retries=0) for _ in range(3)]
    config = ClientConfig(base_url=local_server.base_url, api_key=FAKE_KEY)
    texts = [repr(config), repr(ImageEditClient(config)), caplog.text]
    for error in errors:
        texts += [str(error), repr(error), error.user_message, str(error.detail)]
    assert all(FAKE_KEY not in text for text in texts)
    assert "API key was refused" in errors[0].user_message


def test_success_reports_progress_through_every_phase(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    progress: list[Progress] = []
    with _client(local_server) as client:
        client.edit(edit_request(coffee_path), on_progress=progress.append)
    phases = [p.phase for p in progress]
    assert phases[0] == "preparing"
    assert phases.index("uploading") < phases.index("waiting") < phases.index("receiving")
    uploads = [p for p in progress if p.phase == "uploading"]
    assert uploads[-1].sent_bytes == uploads[-1].total_bytes > coffee_path.stat().st_size
    assert progress[-1].received_bytes > 0
    assert "MB" in uploads[-1].message


def test_rate_limit_without_retries_left_is_reported(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    body = _error_body("rate_limit_exceeded", "Rate limit reached", "requests")
    local_server.push_faults(Fault(kind="status", status=429, body=body))
    error = _fail(local_server, coffee_path, max_retries=0)
    assert isinstance(error, RateLimited)
    assert "wait a minute" in error.user_message


def test_a_fresh_client_works_after_an_error(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    local_server.push_faults(Fault(kind="garbage"))
    with _client(local_server) as client:
        with pytest.raises(ProtocolError):
            client.edit(edit_request(coffee_path))
        assert len(client.edit(edit_request(coffee_path)).variants) == 1
