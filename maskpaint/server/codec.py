"""Bytes to pixel arrays and back, for the server's inpainting.

Arrays are HxWx3 (RGB) or HxWx4 (RGBA, whenever the file carries transparency).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, UnidentifiedImageError

MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}


class DecodeError(ValueError):
    """The bytes are not an image Pillow can read."""


def decode(data: bytes) -> np.ndarray:
    """RGB, or RGBA when the image has an alpha channel or a transparent palette entry."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
                "transparency" in image.info
            )
            return np.asarray(image.convert("RGBA" if has_alpha else "RGB"))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise DecodeError(str(error)) from None


def encode(array: np.ndarray, output_format: str, compression: int | None = None) -> bytes:
    """PNG, JPEG or WebP bytes; `compression` is the API's 0-100 quality for jpeg/webp."""
    image = Image.fromarray(array)
    if output_format == "jpeg" and image.mode == "RGBA":
        image = image.convert("RGB")
    buffer = io.BytesIO()
    if output_format == "png":
        image.save(buffer, "PNG", compress_level=1)
    else:
        quality = 100 if compression is None else compression
        image.save(buffer, output_format.upper(), quality=quality)
    return buffer.getvalue()
