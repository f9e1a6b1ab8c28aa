"""Small synthetic inputs for the server tests: a 64x64 photo-like PNG and a mask with a hole."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


def decode_b64(text: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(text))))


@dataclass(frozen=True)
class Sample:
    """An image, its mask (alpha 0 = edit) and the edited region as booleans."""

    pixels: np.ndarray
    png: bytes
    mask_png: bytes
    region: np.ndarray

    def parts(self, *, mask: bool = True) -> list[tuple[str, tuple[str, bytes, str]]]:
        """httpx-style multipart file parts: image (and mask) with names and MIME types."""
        parts = [("image", ("photo.png", self.png, "image/png"))]
        if mask:
            parts.append(("mask", ("mask.png", self.mask_png, "image/png")))
        return parts


def make_sample(width: int = 64, height: int = 64) -> Sample:
    """A smooth gradient with texture (so inpainting has something to continue)."""
    y, x = np.mgrid[0:height, 0:width]
    rng = np.random.default_rng(7)
    pixels = np.stack(
        [x * 255 // width, y * 255 // height, (x + y) * 127 // (width + height)], axis=-1
    ).astype(np.int16)
    pixels = np.clip(pixels + rng.integers(-20, 20, pixels.shape), 0, 255).astype(np.uint8)
    region = np.zeros((height, width), dtype=bool)
    region[height // 4 : height // 2, width // 4 : width // 2] = True
    mask = np.full((height, width, 4), 255, dtype=np.uint8)
    mask[region, 3] = 0
    return Sample(pixels, png_bytes(pixels), png_bytes(mask), region)


@pytest.fixture(scope="session")
def sample() -> Sample:
    return make_sample()
