"""Real answers from the embedded server: pixels, streams with previews, links, chat bodies."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from maskpaint.core.api import ClientConfig, ImageEditClient, PartialImage, Variant
from maskpaint.server import EmbeddedServer, Fault
from tests.core.api_support import b64, edit_request, pixel, png_bytes


def _edit(server: EmbeddedServer, photo: Path, **fields: object) -> tuple[list[Variant], object]:
    seen: list[Variant] = []
    with ImageEditClient(ClientConfig(base_url=server.base_url)) as client:
        result = client.edit(edit_request(photo, **fields), on_variant=seen.append)
    return seen, result


def test_variants_keep_the_unmasked_pixels_of_the_photo(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    seen, result = _edit(local_server, coffee_path, n=3)
    assert [v.index for v in seen] == [0, 1, 2]
    assert tuple(seen) == result.variants  # type: ignore[attr-defined]
    with Image.open(coffee_path) as photo:
        corner = photo.convert("RGB").getpixel((3, 3))
        size = photo.size
    for variant in seen:
        assert variant.format == "png"
        with Image.open(io.BytesIO(variant.data)) as image:
            assert image.size == size
        assert pixel(variant.data, (3, 3)) == corner


def test_stream_hands_over_previews_then_images(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    order: list[str] = []
    partials: list[PartialImage] = []

    def on_partial(partial: PartialImage) -> None:
        partials.append(partial)
        order.append("partial")

    with ImageEditClient(ClientConfig(base_url=local_server.base_url)) as client:
        result = client.edit(
            edit_request(coffee_path, stream=True, partial_images=2),
            on_partial=on_partial,
            on_variant=lambda v: order.append("variant"),
        )
    assert len(result.variants) == 1
    assert partials and all(p.data[:4] == b"\x89PNG" for p in partials)
    assert order[-1] == "variant"
    assert local_server.received[0].fields["stream"] == "true"
    assert local_server.received[0].fields["partial_images"] == "2"


def test_a_gateways_image_generation_stream_is_parsed_end_to_end(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    local_server.push_faults(Fault(kind="generation_events"))
    partials: list[PartialImage] = []
    with ImageEditClient(ClientConfig(base_url=local_server.base_url)) as client:
        result = client.edit(
            edit_request(coffee_path, n=2, stream=True, partial_images=2),
            on_partial=partials.append,
        )
    assert [(p.index, p.partial_index) for p in partials] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert all(p.data[:4] == b"\x89PNG" for p in partials)
    with Image.open(coffee_path) as photo:
        corner = photo.convert("RGB").getpixel((3, 3))
    assert [v.index for v in result.variants] == [0, 1]
    assert all(pixel(v.data, (3, 3)) == corner for v in result.variants)
    assert result.usage is not None and result.usage["output_tokens"]


def test_url_answers_are_downloaded(coffee_path: Path) -> None:
    server = EmbeddedServer("127.0.0.1", serve_urls=True)
    server.start()
    try:
        seen, _ = _edit(server, coffee_path, n=2)
    finally:
        server.stop()
    assert [v.source for v in seen] == ["url", "url"]
    assert all(v.data[:4] == b"\x89PNG" for v in seen)


def test_a_chat_completion_body_is_understood(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    local_server.push_faults(Fault(kind="chat_completion"))
    seen, _ = _edit(local_server, coffee_path)
    assert len(seen) == 1
    assert seen[0].source in ("data_uri", "markdown_url")
    assert seen[0].format == "png"


def test_usage_and_echoed_facts_come_back(local_server: EmbeddedServer, coffee_path: Path) -> None:
    _, result = _edit(local_server, coffee_path, quality="low")
    assert result.usage is not None  # type: ignore[attr-defined]
    assert result.created is not None  # type: ignore[attr-defined]
    assert result.request_id is None or isinstance(result.request_id, str)  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", ["jpeg", "webp"])
def test_gateway_bodies_with_other_formats_are_sniffed(
    local_server: EmbeddedServer, coffee_path: Path, fmt: str
) -> None:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(png_bytes())).save(buffer, fmt.upper())
    content = f"![result](data:image/{fmt};base64,{b64(buffer.getvalue())})"
    body = {"object": "chat.completion", "choices": [{"message": {"content": content}}]}
    local_server.push_faults(Fault(kind="status", status=200, body=json.dumps(body)))
    seen, _ = _edit(local_server, coffee_path)
    assert seen[0].format == fmt
    assert seen[0].source == "data_uri"


def test_list_models_reads_the_model_ids(local_server: EmbeddedServer) -> None:
    with ImageEditClient(ClientConfig(base_url=local_server.base_url)) as client:
        models = client.list_models()
    assert models == sorted(models)
    assert models


def test_stream_lines_of_several_megabytes_are_read(
    local_server: EmbeddedServer, tmp_path: Path
) -> None:
    noise = Image.frombytes("RGB", (1024, 1024), np.random.default_rng(7).bytes(1024 * 1024 * 3))
    photo = tmp_path / "noise.png"
    noise.save(photo)
    partials: list[PartialImage] = []
    with ImageEditClient(ClientConfig(base_url=local_server.base_url)) as client:
        result = client.edit(
            edit_request(photo, stream=True, partial_images=1), on_partial=partials.append
        )
    (variant,) = result.variants
    assert len(variant.data) * 4 // 3 > 3_000_000  # one SSE data line of over 3 MB
    assert pixel(variant.data, (5, 5)) == noise.getpixel((5, 5))


def test_a_client_made_on_one_thread_edits_on_another(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    """The GUI builds the client on its main thread and edits from a worker thread."""
    client = ImageEditClient(ClientConfig(base_url=local_server.base_url))
    results: list[object] = []
    worker = threading.Thread(target=lambda: results.append(client.edit(edit_request(coffee_path))))
    worker.start()
    worker.join(60)
    client.edit(edit_request(coffee_path))  # and back on this thread, same connection pool
    client.close()
    assert len(results) == 1
    assert len(local_server.received) == 2
