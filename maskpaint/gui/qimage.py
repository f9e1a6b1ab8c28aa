"""PIL / numpy <-> QImage, converting once and never per paint.

Photos become ARGB32-family QImages because that is what the raster engine draws without
a per-draw conversion; masks are coloured into a numpy-backed QImage that shares memory,
so updating a dirty box is a numpy slice assignment.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage

#: Pixels converted per step when a photo or mask is turned into an image (bounds temporaries).
STRIP_PIXELS = 1 << 20


def photo_to_qimage(image: Image.Image) -> QImage:
    """A drawing-ready copy of the photo (RGB32 when opaque, premultiplied ARGB32 otherwise).

    Converted in strips of rows straight into the QImage, so an 8K photo needs no second
    full-size buffer on the way (that would be another 130 MB at the peak).
    """
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    opaque = image.mode == "RGB"
    width, height = image.size
    fmt = QImage.Format.Format_RGB32 if opaque else QImage.Format.Format_ARGB32_Premultiplied
    result = QImage(width, height, fmt)
    stride = result.bytesPerLine()  # 4 * width: 32-bit rows need no padding
    bits = result.bits()
    rows = max(1, STRIP_PIXELS // width)
    for top in range(0, height, rows):
        strip = image.crop((0, top, width, min(height, top + rows)))
        # BGRA bytes are ARGB32 in little-endian memory; RGB32 wants alpha 0xFF.
        if opaque:
            data = strip.convert("RGBA").tobytes("raw", "BGRA")
        else:
            data = strip.tobytes("raw", "BGRa")
        bits[top * stride : top * stride + len(data)] = data
    return result


def qimage_to_png_bytes(image: QImage) -> bytes:
    """PNG bytes of a QImage (clipboard images), so they go through the normal image opener."""
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(array.data())


class NumpyQImage:
    """A QImage that shares memory with a (h, w) uint32 numpy array of ARGB32 pixels.

    The array must outlive the QImage, so both live in this object.
    """

    def __init__(self, width: int, height: int) -> None:
        self.array = np.zeros((height, width), dtype=np.uint32)
        self.image = QImage(
            self.array.data, width, height, 4 * width, QImage.Format.Format_ARGB32_Premultiplied
        )


def coverage_lut(color: QColor, opacity: float) -> np.ndarray:
    """Coverage 0..255 -> premultiplied ARGB32 pixel of the overlay colour.

    A step at 128, the threshold `Mask.binary()` applies to what is sent: the overlay
    shows exactly the pixels the API will edit, no more and no less.
    """
    sent = np.arange(256) >= 128
    alpha = np.where(sent, round(opacity * 255.0), 0).astype(np.float64)
    channels = [np.rint(alpha * c / 255.0) for c in (color.red(), color.green(), color.blue())]
    red, green, blue = (c.astype(np.uint32) for c in channels)
    return (alpha.astype(np.uint32) << 24) | (red << 16) | (green << 8) | blue


def mask_only_lut() -> np.ndarray:
    """Coverage 0..255 -> opaque black or white (the "mask only" view: white is sent as edit)."""
    return np.where(np.arange(256) >= 128, 0xFFFFFFFF, 0xFF000000).astype(np.uint32)
