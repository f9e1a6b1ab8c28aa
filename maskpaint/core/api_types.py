"""Values the image-edit client hands back: variants, partial images, progress, results.

Plain frozen dataclasses so they cross threads safely (the GUI's worker passes them
through Qt signals) and compare by value in tests. Image bytes stay out of reprs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Phase = Literal["preparing", "uploading", "waiting", "receiving", "retrying"]
Source = Literal["b64_json", "url", "data_uri", "markdown_url"]


@dataclass(frozen=True)
class Variant:
    """One finished image, as soon as its bytes are decoded."""

    index: int
    data: bytes = field(repr=False)
    format: str  # "png", "jpeg" or "webp", sniffed from the bytes
    revised_prompt: str | None = None
    source: Source = "b64_json"


@dataclass(frozen=True)
class PartialImage:
    """A preview of image `index` while it is still being made (streaming only)."""

    index: int
    partial_index: int
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class Progress:
    """Where a request is, in numbers and in plain words for a status bar."""

    phase: Phase
    sent_bytes: int
    total_bytes: int
    received_bytes: int
    elapsed: float
    message: str


@dataclass(frozen=True)
class EditResult:
    """Everything one successful edit returned."""

    variants: tuple[Variant, ...]
    usage: Mapping[str, object] | None = None
    created: int | None = None
    size: str | None = None
    quality: str | None = None
    output_format: str | None = None
    background: str | None = None
    request_id: str | None = None
    elapsed: float = 0.0
    retries: int = 0
    notes: tuple[str, ...] = ()


def megabytes(count: int) -> str:
    """Bytes as "3.2" (MB, one decimal), the unit designers think in for uploads."""
    return f"{count / 1_000_000:.1f}"
