"""The photo as a numpy RGB array, made once per photo and shared by every selection tool.

PIL hands numpy a fresh copy on every `np.asarray(image)` (half a second and 100 MB at
8K), so a magic wand click must not ask PIL; it asks the document's `PhotoPixels`.
"""

from __future__ import annotations

import threading

import numpy as np
from PIL import Image

__all__ = ["PhotoPixels"]


class PhotoPixels:
    """Lazily converted, then cached, contiguous (h, w, 3) uint8 pixels of one photo.

    Made on first use, from whichever thread asks first (a worker, so the GUI never waits
    for the conversion); the lock makes a second caller wait for that one conversion.
    OpenCV's flood fill insists on a writable array, so callers must treat it as read-only.
    """

    def __init__(self, image: Image.Image) -> None:
        self._image = image
        self._lock = threading.Lock()
        self._rgb: np.ndarray | None = None

    @property
    def size(self) -> tuple[int, int]:
        """(width, height), without converting anything."""
        return self._image.size

    def rgb(self) -> np.ndarray:
        with self._lock:
            if self._rgb is None:
                image = self._image if self._image.mode == "RGB" else self._image.convert("RGB")
                self._rgb = np.array(image, dtype=np.uint8, order="C")
            return self._rgb
