"""Bytes to pixel arrays and back for the inpainting, through `core.imageio`.

Arrays are HxWx3 (RGB) or HxWx4 (RGBA, whenever the file carries transparency).
"""

from __future__ import annotations

import numpy as np

from maskpaint.core import imageio
from maskpaint.core.errors import ImageError

#: output_format -> (imageio's format name, MIME type)
FORMATS: dict[str, tuple[imageio.EncodeFormat, str]] = {
    "png": ("PNG", "image/png"),
    "jpeg": ("JPEG", "image/jpeg"),
    "webp": ("WEBP", "image/webp"),
}


class DecodeError(ValueError):
    """The bytes are not a PNG, JPEG or WebP image that can be read."""


def decode(data: bytes) -> np.ndarray:
    """RGB, or RGBA when the image carries transparency (alpha, tRNS, palette)."""
    try:
        return np.asarray(imageio.open_image(data).image)
    except ImageError as error:
        raise DecodeError(error.user_message) from None


def encode(array: np.ndarray, output_format: str, compression: int | None = None) -> bytes:
    """PNG, JPEG or WebP bytes; `compression` is the API's 0-100 quality for jpeg/webp."""
    name = FORMATS[output_format][0]
    quality = None if name == "PNG" else compression
    return imageio.encode(imageio.from_array(array), name, quality=quality)


def media_type(output_format: str) -> str:
    return FORMATS[output_format][1]
