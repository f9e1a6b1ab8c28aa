"""Shared makings for the client's tests: real PNG bytes, masks and requests."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from PIL import Image

from maskpaint.core.request import EditRequest, ImageFile

FAKE_KEY = "sk-test-SECRET-123"


def png_bytes(size: tuple[int, int] = (64, 48), color: tuple[int, ...] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def mask_png(size: tuple[int, int], hole: tuple[int, int, int, int]) -> bytes:
    """An API mask: opaque everywhere, alpha 0 inside `hole` (left, top, right, bottom)."""
    mask = Image.new("RGBA", size, (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), hole)
    buffer = io.BytesIO()
    mask.save(buffer, "PNG")
    return buffer.getvalue()


def pixel(data: bytes, xy: tuple[int, int]) -> tuple[int, ...]:
    with Image.open(io.BytesIO(data)) as image:
        return tuple(image.convert("RGB").getpixel(xy))


def edit_request(photo: Path, *, images: int = 1, **fields: object) -> EditRequest:
    """A request editing `photo` (repeated `images` times) with a mask over its centre."""
    data = photo.read_bytes()
    with Image.open(photo) as image:
        size = image.size
    w, h = size
    files = tuple(ImageFile(data, f"photo{i}.png", "image/png") for i in range(images))
    mask = ImageFile(
        mask_png(size, (w // 4, h // 4, w * 3 // 4, h * 3 // 4)), "mask.png", "image/png"
    )
    return EditRequest(images=files, prompt="a red apple on the table", mask=mask, **fields)  # type: ignore[arg-type]
