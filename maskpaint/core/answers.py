"""Turn every answer shape the API and gateways send into Variants, one image at a time.

Shapes: the official JSON (`data[].b64_json` / `data[].url`), a chat.completion body
whose message holds markdown image links or `data:` URIs (some gateways), and the SSE
events of a stream (`image_edit.*`, `image_generation.*`, `[DONE]`, in-stream errors).
Each image is decoded and handed to the caller before the next one is touched, so a
failure later in the answer never loses an image that already arrived.
"""

from __future__ import annotations

import binascii
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import pybase64

from maskpaint.core.answer_errors import no_images, not_an_image, unreadable_answer
from maskpaint.core.api_errors import GatewayError, error_from_fields, is_html
from maskpaint.core.api_types import PartialImage, Source, Variant
from maskpaint.core.errors import MaskpaintError
from maskpaint.core.imageio import sniff_format

log = logging.getLogger("maskpaint.api")

Fetch = Callable[[str], Awaitable[bytes]]
IMAGE_FORMATS = ("png", "jpeg", "webp")
_META_KEYS = ("size", "quality", "output_format", "background")
_MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?[^)]*\)")
_DATA_URI = re.compile(r"data:image/[\w.+-]+;base64,[A-Za-z0-9+/=]+")
_IMAGE_URL = re.compile(r"https?://\S+?\.(?:png|jpe?g|webp)(?:\?\S*)?(?=[\s)\"']|$)", re.I)


def image_format(data: bytes) -> str | None:
    """The format as "png", "jpeg" or "webp" from the magic bytes; None for anything else."""
    fmt = (sniff_format(data) or "").lower()
    return fmt if fmt in IMAGE_FORMATS else None


def decode_base64_image(text: str, what: str) -> tuple[bytes, str]:
    """Base64 -> (bytes, format); a typed error when it is not an image at all."""
    try:
        # Same rules as base64.b64decode (stray characters skipped, bad padding refused),
        # with SIMD: the images of one answer decode in a sixth of binascii's time.
        data = pybase64.b64decode(text)
    except (binascii.Error, ValueError) as exc:
        raise not_an_image(what, "its base64 is broken") from exc
    fmt = image_format(data)
    if fmt is None:
        raise not_an_image(what, f"its {len(data)} bytes are not a PNG, JPEG or WebP image")
    return data, fmt


class Collector:
    """Receives the images of one answer in order and hands each to the caller at once."""

    def __init__(
        self,
        on_variant: Callable[[Variant], None] | None,
        on_partial: Callable[[PartialImage], None] | None,
    ) -> None:
        self._on_variant = on_variant
        self._on_partial = on_partial
        self.variants: list[Variant] = []
        self.meta: dict[str, Any] = {}
        self.notes: list[str] = []
        self.partials = 0
        self.done = False

    def add_variant(
        self,
        data: bytes,
        fmt: str,
        *,
        source: Source,
        revised_prompt: str | None = None,
    ) -> None:
        variant = Variant(len(self.variants), data, fmt, revised_prompt, source)
        self.variants.append(variant)
        log.info("variant %d received: %s, %d bytes", variant.index, fmt, len(data))
        if self._on_variant is not None:
            self._on_variant(variant)

    def add_partial(self, index: int, partial_index: int, data: bytes) -> None:
        self.partials += 1
        if self._on_partial is not None:
            self._on_partial(PartialImage(index, partial_index, data))

    def take_meta(self, payload: Mapping[str, Any]) -> None:
        """Keep what the answer echoes back: created, usage, size, quality, format."""
        for key in _META_KEYS:
            if isinstance(payload.get(key), str):
                self.meta[key] = payload[key]
        created = payload.get("created", payload.get("created_at"))
        if isinstance(created, int):
            self.meta.setdefault("created", created)
        if isinstance(payload.get("usage"), dict):
            self.meta["usage"] = payload["usage"]


async def read_json_answer(
    body: bytes, content_type: str, collector: Collector, fetch: Fetch
) -> None:
    """Parse a complete non-streamed answer body of a 2xx response."""
    if not body or body.isspace():  # body.strip() would copy a multi-MB answer
        raise unreadable_answer("an empty answer")
    if is_html(body, content_type):
        raise GatewayError(
            "The gateway answered with an HTML page instead of images; check the base URL "
            "in Settings.",
            detail=f"HTML page with status 2xx, {len(body)} bytes",
        )
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise unreadable_answer("an answer that is not valid JSON") from exc
    if not isinstance(payload, dict):
        raise unreadable_answer("JSON that is not an object")
    if payload.get("error"):
        raise error_from_fields(_error_object(payload), status=None)
    collector.take_meta(payload)
    if isinstance(payload.get("choices"), list):
        await _read_chat_completion(payload["choices"], collector, fetch)
    else:
        await read_images(payload.get("data"), collector, fetch)
    if not collector.variants:
        raise no_images()


def _error_object(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    error = payload.get("error")
    if isinstance(error, dict):
        return error
    return {"message": str(error if isinstance(error, str) else payload.get("message", ""))}


async def read_images(items: Any, collector: Collector, fetch: Fetch) -> None:
    """`data[]` of an ImagesResponse: b64_json or url, one image at a time."""
    if not isinstance(items, list):
        return
    for item in items:
        if not isinstance(item, dict):
            continue
        number = len(collector.variants) + 1
        revised = (
            item.get("revised_prompt") if isinstance(item.get("revised_prompt"), str) else None
        )
        if isinstance(item.get("b64_json"), str) and item["b64_json"]:
            data, fmt = decode_base64_image(item["b64_json"], f"image {number}")
            collector.add_variant(data, fmt, source="b64_json", revised_prompt=revised)
        elif isinstance(item.get("url"), str) and item["url"]:
            await _add_link(item["url"], "url", collector, fetch, revised)


async def _add_link(
    link: str, source: Source, collector: Collector, fetch: Fetch, revised: str | None = None
) -> None:
    number = len(collector.variants) + 1
    if link.startswith("data:"):
        _, _, encoded = link.partition(",")
        data, fmt = decode_base64_image(encoded, f"image {number}")
        collector.add_variant(data, fmt, source="data_uri", revised_prompt=revised)
        return
    data = await fetch(link)
    sniffed = image_format(data)
    if sniffed is None:
        raise not_an_image(f"image {number}", "the downloaded file is not a PNG, JPEG or WebP")
    collector.add_variant(data, sniffed, source=source, revised_prompt=revised)


def image_links(content: str) -> list[str]:
    """Image links in a chat message: markdown links first, then bare data: URIs or URLs."""
    found = _MARKDOWN_LINK.findall(content)
    if not found:
        found = _DATA_URI.findall(content) or _IMAGE_URL.findall(content)
    return list(dict.fromkeys(found))  # once each, in order


async def _read_chat_completion(choices: list[Any], collector: Collector, fetch: Fetch) -> None:
    texts: list[str] = []
    for choice in choices:
        message = choice.get("message") if isinstance(choice, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        for link in _chat_links(content, texts):
            source: Source = "data_uri" if link.startswith("data:") else "markdown_url"
            await _add_link(link, source, collector, fetch)
    if not collector.variants:
        said = _shorten(" ".join(texts))
        raise no_images(f" (it wrote: “{said}”)" if said else "")


def _chat_links(content: Any, texts: list[str]) -> list[str]:
    """Links from a message content, a string or a list of parts (text / image_url)."""
    if isinstance(content, str):
        texts.append(content)
        return image_links(content)
    links: list[str] = []
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, dict):
                continue
            image_url = part.get("image_url")
            url = image_url.get("url") if isinstance(image_url, dict) else image_url
            if isinstance(url, str):
                links.append(url)
            elif isinstance(part.get("text"), str):
                texts.append(part["text"])
                links.extend(image_links(part["text"]))
    return links


def _shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def read_event(data: str, event: str, collector: Collector, fetch: Fetch) -> None:
    """One server-sent event: a partial image, a finished image, [DONE] or an error."""
    if data.strip() == "[DONE]":
        collector.done = True
        return
    try:
        payload = json.loads(data)
    except ValueError as exc:
        raise unreadable_answer("a stream event that is not valid JSON") from exc
    if not isinstance(payload, dict):
        return
    kind = str(payload.get("type") or event or "")
    if event == "error" or kind == "error" or "error" in payload:
        raise error_from_fields(
            _error_object(payload) if "error" in payload else payload, status=None
        )
    if kind.endswith(".partial_image"):
        _read_partial(payload, collector)
    elif kind.endswith(".completed") and isinstance(payload.get("b64_json"), str):
        collector.take_meta(payload)
        data_bytes, fmt = decode_base64_image(
            payload["b64_json"], f"image {len(collector.variants) + 1}"
        )
        collector.add_variant(data_bytes, fmt, source="b64_json")
    elif isinstance(payload.get("data"), list):  # a whole ImagesResponse sent as one event
        collector.take_meta(payload)
        await read_images(payload["data"], collector, fetch)
    else:
        log.debug("ignored stream event %r", kind)


def _read_partial(payload: Mapping[str, Any], collector: Collector) -> None:
    """Partials are previews: a broken one is skipped with a note, never fatal."""
    try:
        data, _ = decode_base64_image(str(payload.get("b64_json", "")), "a preview")
    except MaskpaintError:
        collector.notes.append("A preview image from the stream could not be read.")
        return
    index = payload.get("index")
    partial_index = payload.get("partial_image_index")
    collector.add_partial(
        index if isinstance(index, int) else len(collector.variants),
        partial_index if isinstance(partial_index, int) else collector.partials,
        data,
    )
