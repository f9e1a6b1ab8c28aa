"""Odd image files made at test time: the ones designers really drop on the app.

Each function returns encoded bytes; tests write them to tmp_path when a path matters.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

RED_CMYK = (0, 255, 255, 0)
CYAN_CMYK = (255, 0, 0, 0)


def save(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def cmyk_jpeg(icc_profile: bytes | None = None) -> bytes:
    """40x20 CMYK JPEG: left half pure red ink (M+Y), right half cyan ink."""
    image = Image.new("CMYK", (40, 20), RED_CMYK)
    image.paste(CYAN_CMYK, (20, 0, 40, 20))
    params: dict[str, object] = {"quality": 95}
    if icc_profile is not None:
        params["icc_profile"] = icc_profile
    return save(image, "JPEG", **params)


def sixteen_bit_png(values: list[int], transparency: int | None = None) -> bytes:
    """A one-row 16-bit greyscale PNG holding exactly `values`."""
    image = Image.fromarray(np.array([values], dtype=np.uint16))
    if transparency is None:
        return save(image, "PNG")
    return save(image, "PNG", transparency=transparency)


def palette_png(alphas: list[int]) -> bytes:
    """A one-row palette PNG, pixel i = palette entry i, whose tRNS gives it alphas[i]."""
    image = Image.new("P", (len(alphas), 1))
    palette = [channel for i in range(len(alphas)) for channel in (10 * i, 20, 30)]
    image.putpalette(palette)
    image.putdata(list(range(len(alphas))))
    return save(image, "PNG", transparency=bytes(alphas))


def rotated_jpeg(orientation: int) -> bytes:
    """40x20 white JPEG with a red 8x8 mark in its stored top-left corner and EXIF orientation."""
    image = Image.new("RGB", (40, 20), (255, 255, 255))
    image.paste((255, 0, 0), (0, 0, 8, 8))
    exif = Image.Exif()
    exif[0x0112] = orientation
    return save(image, "JPEG", quality=95, exif=exif.tobytes())


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny, well-formed-looking PNG whose IHDR claims width x height grey pixels.

    Its IDAT holds one compressed row only: decoding it would have to allocate the full
    claimed size first, and would then fail as truncated.
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width + 1))
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND")


def _chunk(kind: bytes, body: bytes = b"") -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


# -- a CMYK ICC profile ----------------------------------------------------------------
# Pillow's ImageCms can only create Lab, XYZ and sRGB profiles, and no CMYK profile can
# be assumed on a fresh machine, so the tests build a minimal ICC v2 input profile: an
# 8-bit lookup table (lut8Type) from CMYK to Lab.

_D50 = (0.9642, 1.0, 0.8249)
_WHITE_LAB = (100.0, 0.0, 0.0)
_BLACK_LAB = (0.0, 0.0, 0.0)
_RED_LAB = (53.24, 80.09, 67.20)  # sRGB (255, 0, 0)


def cyan_prints_red_profile() -> bytes:
    """A CMYK profile in which cyan ink prints red, black ink black, and M and Y nothing.

    Nothing like a real press: it makes "was the embedded profile used?" visible, since
    Pillow's own CMYK conversion would show cyan ink as cyan.
    """
    grid = 2
    clut = bytearray()
    for c in range(grid):  # the first input channel varies slowest
        for _m in range(grid):
            for _y in range(grid):
                for k in range(grid):
                    clut += _lab8(_BLACK_LAB if k else _RED_LAB if c else _WHITE_LAB)
    identity = bytes(range(256))
    lut = b"mft1" + bytes(4) + bytes([4, 3, grid, 0])
    lut += b"".join(_s15f16(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    lut += identity * 4 + bytes(clut) + identity * 3
    tags = [
        (b"desc", _text_description("maskpaint test: cyan prints red")),
        (b"wtpt", b"XYZ " + bytes(4) + b"".join(_s15f16(v) for v in _D50)),
        (b"cprt", b"text" + bytes(4) + b"public domain\x00"),
        (b"A2B0", lut),
    ]
    return _profile(tags)


def _profile(tags: list[tuple[bytes, bytes]]) -> bytes:
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    entries, bodies = b"", b""
    for signature, body in tags:
        padded = body + bytes(-len(body) % 4)
        entries += signature + struct.pack(">II", offset, len(body))
        bodies += padded
        offset += len(padded)
    size = offset
    header = struct.pack(">I", size) + b"lcms" + bytes([2, 0x10, 0, 0])
    header += b"scnr" + b"CMYK" + b"Lab " + bytes(12) + b"acsp" + bytes(4 * 4 + 8)
    header += struct.pack(">I", 0) + b"".join(_s15f16(v) for v in _D50) + bytes(4 + 16 + 28)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + entries + bodies


def _text_description(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\x00"
    body = b"desc" + bytes(4) + struct.pack(">I", len(ascii_text)) + ascii_text
    return body + bytes(4 + 4) + bytes(2 + 1 + 67)


def _lab8(lab: tuple[float, float, float]) -> bytes:
    lightness, a, b = lab
    return bytes([round(lightness * 255 / 100), round(a + 128), round(b + 128)])


def _s15f16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))
