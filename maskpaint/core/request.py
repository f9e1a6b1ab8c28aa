"""An image-edit request as a plain value.

Field names are the API's multipart form fields, so a reader never translates
between two vocabularies. `None` means "leave the field out": the client sends only
what is set and what the model accepts (see `models.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_MODEL = "gpt-image-1.5"

#: The optional form fields, in the order the official SDK sends them.
OPTIONAL_FIELDS: tuple[str, ...] = (
    "background",
    "input_fidelity",
    "moderation",
    "n",
    "output_compression",
    "output_format",
    "partial_images",
    "quality",
    "response_format",
    "size",
    "stream",
    "user",
)


@dataclass(frozen=True)
class ImageFile:
    """One file part: bytes with the filename and MIME type the API insists on."""

    data: bytes = field(repr=False)
    filename: str
    mime: str  # image/png, image/jpeg or image/webp

    def __repr__(self) -> str:
        return f"ImageFile({self.filename!r}, {self.mime}, {len(self.data)} bytes)"


@dataclass(frozen=True)
class EditRequest:
    """Everything one POST /v1/images/edits sends. The mask applies to images[0]."""

    images: tuple[ImageFile, ...]
    prompt: str
    mask: ImageFile | None = None
    model: str = DEFAULT_MODEL
    n: int | None = None
    size: str | None = None
    quality: str | None = None
    background: str | None = None
    output_format: str | None = None
    output_compression: int | None = None
    input_fidelity: str | None = None
    moderation: str | None = None
    response_format: str | None = None
    stream: bool | None = None
    partial_images: int | None = None
    user: str | None = None

    def with_changes(self, **changes: Any) -> EditRequest:
        """A copy with some fields replaced (preflight fixes, retries with other sizes)."""
        return replace(self, **changes)

    def set_fields(self) -> dict[str, Any]:
        """The optional fields that are set, by form-field name, in send order."""
        values = {name: getattr(self, name) for name in OPTIONAL_FIELDS}
        return {name: value for name, value in values.items() if value is not None}
