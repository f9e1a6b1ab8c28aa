"""Mask engine speed and sizes: per-dab cost at 1K vs 8K, export vs a bare Pillow encode,
PNG bytes of typical and worst-case masks, whole-mask operations and undo memory."""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image

from bench.table import median, print_table, timings
from maskpaint.core.errors import MaskError
from maskpaint.core.mask import Box, Brush, Mask, Stroke
from maskpaint.core.mask_io import MAX_PNG_BYTES

SIZES = {"1K": (1024, 1024), "8K": (7680, 4320)}


def wiggle(cx: float, cy: float, reach: float, count: int, phase: float = 0.0) -> list:
    """A looping pen path of `count` points around (cx, cy), the same shape at any mask size."""
    angles = np.linspace(0.0, 6.0 * math.pi, count) + phase
    return [
        (cx + reach * math.cos(a) * math.cos(a / 3), cy + reach * math.sin(a) * 0.6) for a in angles
    ]


def per_dab(size: tuple[int, int], brush: Brush) -> tuple[int, float]:
    """Dabs laid by one stroke and the median seconds per dab over a few runs."""
    width, height = size
    path = wiggle(width / 2, height / 2, 400.0, 240)
    results = []
    dabs = 0
    for _ in range(5):
        stroke = Mask(width, height).stroke(brush)

        def draw(stroke: Stroke = stroke) -> None:
            for x, y in path:
                stroke.add_point(x, y)

        spent = timings(draw, 1)[0]
        stroke.finish()
        dabs = stroke.dabs
        results.append(spent / dabs)
    return dabs, median(results)


def dab_table() -> None:
    per_dab(SIZES["1K"], Brush(8))  # warm-up: first calls pay for imports and caches
    rows = []
    for brush in (Brush(8), Brush(40, hardness=0.5), Brush(150)):
        dabs, small = per_dab(SIZES["1K"], brush)
        _, big = per_dab(SIZES["8K"], brush)
        rows.append(
            [f"r={brush.radius:g} h={brush.hardness:g}", dabs, small * 1e6, big * 1e6, big / small]
        )
    print_table(
        "Time per dab (1K = 1024x1024, 8K = 7680x4320)",
        ["brush", "dabs per stroke", "1K µs/dab", "8K µs/dab", "8K/1K"],
        rows,
    )


def typical(size: tuple[int, int]) -> Mask:
    """A few strokes and a filled blob, scaled to the mask."""
    width, height = size
    mask = Mask(width, height)
    scale = width / 1024
    for i in range(4):
        stroke = mask.stroke(Brush(12 * scale, hardness=0.6))
        for x, y in wiggle(width * (0.2 + 0.2 * i), height / 2, 120 * scale, 60, phase=i):
            stroke.add_point(x, y)
        stroke.finish()
    mask.fill_ellipse(Box(width // 3, height // 5, width // 2, height // 2))
    return mask


def blob(size: tuple[int, int]) -> Mask:
    width, height = size
    mask = Mask(width, height)
    mask.fill_ellipse(Box(width // 4, height // 4, 3 * width // 4, 3 * height // 4))
    return mask


def checkerboard(size: tuple[int, int]) -> Mask:
    width, height = size
    mask = Mask(width, height)
    mask.coverage[0::2, 0::2] = 255
    mask.coverage[1::2, 1::2] = 255
    return mask


def noise(size: tuple[int, int]) -> Mask:
    width, height = size
    values = np.random.default_rng(1).integers(0, 2, (height, width), dtype=np.uint8)
    values *= 255
    return Mask(width, height, values)


def bare_encode(mask: Mask) -> bytes:
    """The floor: Pillow's default PNG encode of an RGBA array already built."""
    buffer = io.BytesIO()
    Image.fromarray(rgba_of(mask), "RGBA").save(buffer, "PNG")
    return buffer.getvalue()


def rgba_of(mask: Mask) -> np.ndarray:
    rgba = np.zeros((mask.height, mask.width, 4), np.uint8)
    rgba[..., 3] = np.where(mask.binary(), 0, 255)
    return rgba


def export_table() -> None:
    rows = []
    for label, size in SIZES.items():
        mask = typical(size)
        rgba = rgba_of(mask)

        def floor(rgba: np.ndarray = rgba) -> None:
            Image.fromarray(rgba, "RGBA").save(io.BytesIO(), "PNG")

        ours = median(timings(mask.to_api_png, 3))
        bare = median(timings(floor, 3))
        rows.append([f"{label} typical", ours * 1e3, bare * 1e3, ours / bare])
    print_table(
        "Export vs a bare Pillow PNG encode of the same RGBA array",
        ["mask", "to_api_png ms", "bare encode ms", "ratio"],
        rows,
    )


def size_table() -> None:
    cases = [
        ("1K", "typical", typical),
        ("1K", "blob", blob),
        ("1K", "noise", noise),
        ("8K", "typical", typical),
        ("8K", "blob", blob),
        ("8K", "checkerboard", checkerboard),
        ("8K", "noise", noise),
        ("8192²", "checkerboard", checkerboard),
        ("8192²", "noise", noise),
    ]
    rows = []
    for label, kind, make in cases:
        size = SIZES.get(label, (8192, 8192))
        mask = make(size)
        raw = mask.width * mask.height * 4
        try:
            sent = len(mask.to_api_png())
            rows.append([label, kind, f"{sent:,}", f"{sent / MAX_PNG_BYTES:.1%}", raw / sent])
        except MaskError:
            rows.append([label, kind, "refused: over 4 MB", "-", "-"])
    print_table(
        "PNG bytes of the export (limit 4 MB = 4,194,304 bytes)",
        ["size", "mask", "bytes", "of limit", "raw RGBA / PNG"],
        rows,
    )


def whole_mask_table() -> None:
    """Whole-mask operations at 8K against the floor of copying the coverage once."""
    mask = typical(SIZES["8K"])
    rows = []
    for name, op in (
        ("copy coverage (baseline)", mask.coverage.copy),
        ("bbox", mask.bbox),
        ("edited_fraction", mask.edited_fraction),
        ("invert", mask.invert),
        ("grow 8", lambda: mask.grow(8)),
        ("shrink 8", lambda: mask.shrink(8)),
        ("feather 8", lambda: mask.feather(8)),
    ):
        spent = median(timings(op, 5))
        rows.append([name, spent * 1e3, spent])
    baseline = rows[0][2]
    for row in rows:
        row[2] = row[2] / baseline
    print_table(
        "Whole-mask operations on an 8K (7680x4320) mask",
        ["operation", "ms", "× baseline"],
        rows,
    )


def undo_memory_table() -> None:
    """200 strokes on an 8K mask: what their undo records hold against one mask copy."""
    width, height = SIZES["8K"]
    mask = Mask(width, height)
    rng = np.random.default_rng(3)
    total = 0
    for _ in range(200):
        cx, cy = rng.uniform(300, width - 300), rng.uniform(300, height - 300)
        stroke = mask.stroke(Brush(float(rng.uniform(5, 60)), hardness=0.8))
        for x, y in wiggle(cx, cy, 250.0, 40, phase=float(rng.uniform(0, 6))):
            stroke.add_point(x, y)
        edit = stroke.finish()
        total += edit.nbytes if edit is not None else 0
    copy = mask.coverage.nbytes
    print_table(
        "Undo records of 200 strokes on an 8K mask",
        ["strokes", "records MB", "one mask copy MB", "records / one copy"],
        [[200, total / 1e6, copy / 1e6, total / copy]],
    )


def main() -> None:
    dab_table()
    print()
    export_table()
    print()
    size_table()
    print()
    whole_mask_table()
    print()
    undo_memory_table()


if __name__ == "__main__":
    main()
