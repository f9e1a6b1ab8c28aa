"""The client over TLS: certificates, proxies, and cancel in the handshake or a stuck upload."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from maskpaint.core.api import (
    Cancelled,
    CancelToken,
    ClientConfig,
    ConnectionFailed,
    ImageEditClient,
)
from maskpaint.core.request import EditRequest, ImageFile
from maskpaint.server import EmbeddedServer
from tests.core.api_support import FAKE_KEY, edit_request
from tests.core.tls_support import SilentPeer, TlsFront, tls_certificates


@pytest.fixture
def tls_front(
    local_server: EmbeddedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TlsFront]:
    """The embedded server behind TLS, its throwaway CA trusted through SSL_CERT_FILE."""
    context, ca_file = tls_certificates(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    with TlsFront(local_server.port, context) as front:
        yield front


def _client(base_url: str, **config: Any) -> ImageEditClient:
    return ImageEditClient(ClientConfig(base_url=base_url, api_key=FAKE_KEY, **config))


def test_an_edit_over_tls_returns_every_image(
    tls_front: TlsFront, local_server: EmbeddedServer, coffee_path: Path
) -> None:
    with _client(f"https://127.0.0.1:{tls_front.port}/v1") as client:
        result = client.edit(edit_request(coffee_path, n=2))
    assert len(local_server.received) == 1
    assert local_server.received[0].fields["n"] == "2"
    for variant in result.variants:
        with Image.open(io.BytesIO(variant.data)) as image:
            assert image.size == (600, 400)


def test_a_stream_over_tls_hands_over_partials_and_images(
    tls_front: TlsFront, coffee_path: Path
) -> None:
    partials: list[bytes] = []
    with _client(f"https://127.0.0.1:{tls_front.port}/v1") as client:
        result = client.edit(
            edit_request(coffee_path, stream=True, partial_images=2),
            on_partial=lambda p: partials.append(p.data),
        )
    assert len(partials) == 2
    assert all(p.startswith(b"\x89PNG") for p in partials)
    assert result.variants[0].data.startswith(b"\x89PNG")


def test_a_certificate_from_an_unknown_authority_is_refused(
    local_server: EmbeddedServer, tmp_path: Path, coffee_path: Path
) -> None:
    context, _ = tls_certificates(tmp_path)  # the CA is not trusted this time
    with (
        TlsFront(local_server.port, context) as front,
        _client(f"https://127.0.0.1:{front.port}/v1", max_retries=0) as client,
        pytest.raises(ConnectionFailed) as info,
    ):
        client.edit(edit_request(coffee_path))
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value.detail)
    assert "Could not connect" in info.value.user_message
    assert local_server.received == []


def test_a_proxy_in_the_environment_is_still_used(
    local_server: EmbeddedServer, coffee_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    with _client(local_server.base_url, max_retries=0) as client, pytest.raises(ConnectionFailed):
        client.edit(edit_request(coffee_path))
    assert local_server.received == []


def _cancel_once(peer: SilentPeer, token: CancelToken, stamps: list[float]) -> None:
    peer.accepted.wait(30)
    stamps.append(time.monotonic())
    token.cancel()


def _cancelled_edit(peer: SilentPeer, base_url: str, request: EditRequest) -> float:
    """Run the edit, cancel it once the peer holds the connection; seconds to return."""
    token, stamps = CancelToken(), list[float]()
    canceller = threading.Thread(target=_cancel_once, args=(peer, token, stamps))
    canceller.start()
    with _client(base_url) as client, pytest.raises(Cancelled):
        client.edit(request, cancel=token)
    returned = time.monotonic()
    canceller.join()
    return returned - stamps[0]


def test_cancel_during_the_tls_handshake_returns_within_a_second_and_closes(
    coffee_path: Path,
) -> None:
    with SilentPeer(wait_for_bytes=True) as peer:
        seconds = _cancelled_edit(
            peer, f"https://127.0.0.1:{peer.port}/v1", edit_request(coffee_path)
        )
        assert seconds < 1.0
        assert peer.closed_by_client()


def test_cancel_while_an_upload_is_stuck_returns_within_a_second_and_closes() -> None:
    # 32 MB the peer never reads: more than the kernel buffers, so the send must wait.
    huge = ImageFile(bytes(32 * 1024 * 1024), "huge.png", "image/png")
    request = EditRequest(images=(huge,), prompt="a red apple")
    with SilentPeer() as peer:
        seconds = _cancelled_edit(peer, f"http://127.0.0.1:{peer.port}/v1", request)
        assert seconds < 1.0
        assert peer.closed_by_client()
