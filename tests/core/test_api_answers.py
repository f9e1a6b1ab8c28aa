"""Answer shapes parsed into Variants, straight from bytes (the HTTP path is in test_api_http)."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from maskpaint.core.answers import Collector, image_links, read_event, read_json_answer
from maskpaint.core.api import GatewayError, ModerationBlocked, ProtocolError, Variant
from tests.core.api_support import b64, pixel, png_bytes

RED = png_bytes(color=(220, 20, 20))
BLUE = png_bytes(color=(20, 20, 220))


async def _no_fetch(url: str) -> bytes:
    raise AssertionError(f"unexpected download of {url}")


def _parse(body: bytes | str, content_type: str = "application/json") -> Collector:
    collector = Collector(None, None)
    raw = body.encode() if isinstance(body, str) else body
    asyncio.run(read_json_answer(raw, content_type, collector, _no_fetch))
    return collector


def test_b64_json_images_become_variants_with_sniffed_format_and_echoed_facts() -> None:
    body = {
        "created": 1713833628,
        "data": [{"b64_json": b64(RED), "revised_prompt": "an apple"}, {"b64_json": b64(BLUE)}],
        "size": "1024x1024",
        "quality": "high",
        "output_format": "png",
        "background": "opaque",
        "usage": {"total_tokens": 100, "input_tokens": 50, "output_tokens": 50},
    }
    collector = _parse(json.dumps(body))
    first, second = collector.variants
    assert (first.index, first.format, first.source, first.revised_prompt) == (
        0,
        "png",
        "b64_json",
        "an apple",
    )
    assert pixel(first.data, (5, 5)) == (220, 20, 20)
    assert pixel(second.data, (5, 5)) == (20, 20, 220)
    assert collector.meta["created"] == 1713833628
    assert collector.meta["usage"]["total_tokens"] == 100
    assert collector.meta["quality"] == "high"


def test_each_variant_is_handed_over_before_a_broken_one_fails() -> None:
    seen: list[Variant] = []
    collector = Collector(seen.append, None)
    body = json.dumps({"data": [{"b64_json": b64(RED)}, {"b64_json": b64(b"not an image")}]})
    with pytest.raises(ProtocolError, match="not a PNG, JPEG or WebP"):
        asyncio.run(read_json_answer(body.encode(), "application/json", collector, _no_fetch))
    assert [v.data for v in seen] == [RED]


def test_chat_completion_with_a_markdown_data_uri_is_an_image() -> None:
    content = f"Here you go:\n\n![edited](data:image/png;base64,{b64(RED)})"
    body = {"object": "chat.completion", "choices": [{"message": {"content": content}}]}
    (variant,) = _parse(json.dumps(body)).variants
    assert variant.source == "data_uri"
    assert pixel(variant.data, (0, 0)) == (220, 20, 20)


def test_chat_completion_with_markdown_links_downloads_each() -> None:
    content = "![a](https://cdn.example/a.png) and ![b](https://cdn.example/b.png)"
    body = json.dumps({"object": "chat.completion", "choices": [{"message": {"content": content}}]})
    fetched: list[str] = []

    async def fetch(url: str) -> bytes:
        fetched.append(url)
        return RED if url.endswith("a.png") else BLUE

    collector = Collector(None, None)
    asyncio.run(read_json_answer(body.encode(), "application/json", collector, fetch))
    assert fetched == ["https://cdn.example/a.png", "https://cdn.example/b.png"]
    assert [v.source for v in collector.variants] == ["markdown_url", "markdown_url"]
    assert pixel(collector.variants[1].data, (1, 1)) == (20, 20, 220)


def test_chat_completion_without_an_image_quotes_what_it_said() -> None:
    body = {
        "object": "chat.completion",
        "choices": [{"message": {"content": "\n\nHello there, how may I assist you today?"}}],
    }
    with pytest.raises(ProtocolError, match="Hello there, how may I assist you today"):
        _parse(json.dumps(body))


def test_image_links_finds_markdown_then_bare_data_uris_then_urls() -> None:
    assert image_links("![x](https://a/b.png 'title')") == ["https://a/b.png"]
    assert image_links("see data:image/webp;base64,UklGRg== now") == [
        "data:image/webp;base64,UklGRg=="
    ]
    assert image_links("at https://cdn.example/out.jpg?sig=1 done") == [
        "https://cdn.example/out.jpg?sig=1"
    ]
    assert image_links("no image here") == []


def _wrapped(text: str, width: int = 76) -> str:
    """Base64 broken into MIME-style lines, as some gateways send it."""
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


@pytest.mark.parametrize(
    "encoded",
    [b64(RED), _wrapped(b64(RED)), " " + b64(RED) + "\n", b64(RED).replace("A", "A\r\n", 3)],
    ids=["plain", "mime-lines", "padded-with-space", "crlf-inside"],
)
def test_base64_is_read_as_the_standard_library_reads_it(encoded: str) -> None:
    (variant,) = _parse(json.dumps({"data": [{"b64_json": encoded}]})).variants
    assert variant.data == base64.b64decode(encoded) == RED
    assert pixel(variant.data, (5, 5)) == (220, 20, 20)


@pytest.mark.parametrize("encoded", [b64(RED)[:-1], b64(RED)[:-2], "é" + b64(RED)])
def test_base64_the_standard_library_refuses_is_broken(encoded: str) -> None:
    with pytest.raises(ValueError):
        base64.b64decode(encoded)
    with pytest.raises(ProtocolError, match="base64 is broken"):
        _parse(json.dumps({"data": [{"b64_json": encoded}]}))


@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        (b"", "application/json", "empty answer"),
        (b"   ", "application/json", "empty answer"),
        (b"\r\n\t \n", "application/json", "empty answer"),
        (b'{"data": [', "application/json", "not valid JSON"),
        (b"[1, 2]", "application/json", "not an object"),
        (b'{"created": 1, "data": []}', "application/json", "without any image"),
    ],
)
def test_unusable_bodies_are_protocol_errors(body: bytes, content_type: str, words: str) -> None:
    with pytest.raises(ProtocolError, match=words):
        _parse(body, content_type)


def test_an_html_page_with_status_200_is_a_gateway_error() -> None:
    with pytest.raises(GatewayError, match="HTML page"):
        _parse(b"<!DOCTYPE html><html><body>Welcome</body></html>", "text/html")


def test_an_error_object_in_a_200_body_is_typed() -> None:
    body = {"error": {"message": "blocked", "type": "image_generation_user_error", "code": None}}
    with pytest.raises(ModerationBlocked):
        _parse(json.dumps(body))


def _events(*events: tuple[str, object]) -> Collector:
    partials: list[object] = []
    collector = Collector(None, partials.append)
    for name, payload in events:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        asyncio.run(read_event(data, name, collector, _no_fetch))
    collector.meta["partials_seen"] = partials
    return collector


def test_stream_events_of_both_families_give_partials_and_variants() -> None:
    collector = _events(
        (
            "image_edit.partial_image",
            {"type": "image_edit.partial_image", "b64_json": b64(BLUE), "partial_image_index": 0},
        ),
        (
            "image_edit.completed",
            {
                "type": "image_edit.completed",
                "b64_json": b64(RED),
                "size": "1024x1024",
                "usage": {"total_tokens": 9},
            },
        ),
        (
            "image_generation.completed",
            {"type": "image_generation.completed", "b64_json": b64(BLUE)},
        ),
        ("message", "[DONE]"),
    )
    (partial,) = collector.meta["partials_seen"]
    assert (partial.index, partial.partial_index, partial.data) == (0, 0, BLUE)
    assert [v.data for v in collector.variants] == [RED, BLUE]
    assert collector.meta["usage"] == {"total_tokens": 9}
    assert collector.done


def test_an_in_stream_error_is_raised_typed() -> None:
    error = {"error": {"message": "Too many", "type": "requests", "code": "insufficient_quota"}}
    with pytest.raises(Exception, match="no credit left") as info:
        _events(("error", error))
    assert type(info.value).__name__ == "QuotaExceeded"


def test_a_broken_preview_is_skipped_with_a_note() -> None:
    collector = _events(
        ("image_edit.partial_image", {"type": "image_edit.partial_image", "b64_json": "!!!"})
    )
    assert collector.meta["partials_seen"] == []
    assert collector.notes == ["A preview image from the stream could not be read."]
