"""Pixel geometry of the mask: boxes, brushes, and rasterizing dabs and shapes into patches.

Every rasterizer follows one rule so the canvas can be pixel-exact: a pixel (x, y) belongs to
a hard shape iff its centre (x + 0.5, y + 0.5) lies inside the shape. Rasterizers return a
small patch for the shape's box only, never a whole-mask array.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Box:
    """A pixel rectangle; right and bottom are exclusive, so width = right - left."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return max(0, self.right - self.left)

    @property
    def height(self) -> int:
        return max(0, self.bottom - self.top)

    @property
    def is_empty(self) -> bool:
        return self.width == 0 or self.height == 0

    def union(self, other: Box) -> Box:
        """The smallest box holding both; an empty box adds nothing."""
        if self.is_empty:
            return other
        if other.is_empty:
            return self
        return Box(
            min(self.left, other.left),
            min(self.top, other.top),
            max(self.right, other.right),
            max(self.bottom, other.bottom),
        )

    def intersect(self, other: Box) -> Box:
        """The overlap of both boxes (possibly empty)."""
        return Box(
            max(self.left, other.left),
            max(self.top, other.top),
            min(self.right, other.right),
            min(self.bottom, other.bottom),
        )

    @property
    def slices(self) -> tuple[slice, slice]:
        """Index an (h, w) array with this box: array[box.slices]."""
        return slice(self.top, self.bottom), slice(self.left, self.right)

    @staticmethod
    def spanning(x0: float, y0: float, x1: float, y1: float) -> Box:
        """The pixels whose centres lie in the rectangle with corners (x0, y0), (x1, y1), in
        either order: what a rectangle dragged between two pointer positions covers (the
        same pixels fill_polygon gives for its four corners)."""
        left, right = sorted((x0, x1))
        top, bottom = sorted((y0, y1))
        return Box(
            math.ceil(left - 0.5),
            math.ceil(top - 0.5),
            math.ceil(right - 0.5),
            math.ceil(bottom - 0.5),
        )

    @staticmethod
    def around(x: float, y: float, radius: float) -> Box:
        """Every pixel a disc of this radius at (x, y) can touch."""
        return Box(
            math.floor(x - radius),
            math.floor(y - radius),
            math.ceil(x + radius),
            math.ceil(y + radius),
        )


@dataclass(frozen=True)
class Brush:
    """A round brush. Radius in image pixels; hardness 1 = hard, pixel-exact edge, 0 = softest."""

    radius: float
    hardness: float = 1.0
    erase: bool = False

    def __post_init__(self) -> None:
        if not self.radius >= 0.5:
            raise ValueError(f"brush radius must be at least 0.5 px, got {self.radius}")
        if not 0.0 <= self.hardness <= 1.0:
            raise ValueError(f"brush hardness must be within 0..1, got {self.hardness}")


#: Smallest radius a dab is drawn with, however light the pen pressure.
MIN_RADIUS = 0.5


def dab_spacing(radius: float) -> float:
    """Distance between dabs: at most radius / 4, and tight enough for wide brushes that the
    scallops between dabs stay under half a pixel (r - sqrt(r^2 - (s/2)^2) <= 0.5)."""
    return min(radius / 4.0, 2.0 * math.sqrt(max(radius - 0.25, 0.0)))


def render_dab(
    x: float, y: float, radius: float, hardness: float, bounds: Box
) -> tuple[Box, np.ndarray] | None:
    """The dab's coverage patch (uint8, 255 = full) clipped to bounds, or None if off bounds.

    Hard: a pixel is 255 iff its centre is within radius. Soft: full up to radius * hardness,
    then a smoothstep falloff to 0 at radius, so a dab never reaches past its radius.
    """
    box = Box.around(x, y, radius).intersect(bounds)
    if box.is_empty:
        return None
    xs = np.arange(box.left, box.right, dtype=np.float64) + (0.5 - x)
    ys = np.arange(box.top, box.bottom, dtype=np.float64) + (0.5 - y)
    d2 = ys[:, None] ** 2 + xs[None, :] ** 2
    if hardness >= 1.0:
        patch = (d2 <= radius * radius).astype(np.uint8)
        patch *= 255
        return box, patch
    inner = radius * hardness
    t = np.clip((radius - np.sqrt(d2)) / (radius - inner), 0.0, 1.0)
    patch = np.rint(t * t * (3.0 - 2.0 * t) * 255.0).astype(np.uint8)
    return box, patch


def ellipse_patch(box: Box, bounds: Box) -> tuple[Box, np.ndarray] | None:
    """The ellipse inscribed in box, as a 0/255 patch clipped to bounds."""
    clipped = box.intersect(bounds)
    if clipped.is_empty or box.is_empty:
        return None
    cx, cy = (box.left + box.right) / 2.0, (box.top + box.bottom) / 2.0
    ax, ay = box.width / 2.0, box.height / 2.0
    xs = (np.arange(clipped.left, clipped.right, dtype=np.float64) + 0.5 - cx) / ax
    ys = (np.arange(clipped.top, clipped.bottom, dtype=np.float64) + 0.5 - cy) / ay
    patch = (ys[:, None] ** 2 + xs[None, :] ** 2 <= 1.0).astype(np.uint8)
    patch *= 255
    return clipped, patch


def polygon_patch(
    points: Sequence[tuple[float, float]], bounds: Box
) -> tuple[Box, np.ndarray] | None:
    """The polygon (lasso) filled with the even-odd rule, as a 0/255 patch clipped to bounds.

    A pixel is in iff its centre is inside (centres exactly on a left edge in, on a right
    edge out). cv2.fillPoly rounds edge crossings to whole pixels and fills both ends, which
    makes a lasso up to a pixel fatter than the brush rule; this scanline keeps one rule.
    """
    if len(points) < 3:
        return None
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if not np.isfinite(pts).all():
        raise ValueError("polygon points must be finite numbers")
    box = Box(
        math.floor(pts[:, 0].min()),
        math.floor(pts[:, 1].min()),
        math.ceil(pts[:, 0].max()),
        math.ceil(pts[:, 1].max()),
    ).intersect(bounds)
    if box.is_empty:
        return None
    rows, xs = _edge_crossings(pts - (box.left, box.top), box.height)
    # Each row crosses the outline an even number of times: pair them left to right.
    order = np.lexsort((xs, rows))
    rows, xs = rows[order], xs[order]
    starts = np.clip(np.ceil(xs[0::2] - 0.5), 0, box.width).astype(np.intp)
    ends = np.clip(np.ceil(xs[1::2] - 0.5), 0, box.width).astype(np.intp)
    toggles = np.zeros((box.height, box.width + 1), np.int32)
    np.add.at(toggles, (rows[0::2], starts), 1)
    np.add.at(toggles, (rows[1::2], ends), -1)
    inside = np.cumsum(toggles[:, :-1], axis=1) > 0
    return box, inside.astype(np.uint8) * np.uint8(255)


def _edge_crossings(pts: np.ndarray, height: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, x) of every crossing of the closed outline with a row's centre line y + 0.5.

    An edge spans the centre lines y0 <= yc < y1 (half-open), so a vertex on a line counts
    once and horizontal edges never cross.
    """
    x0, y0 = pts[:, 0], pts[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    low, high = np.minimum(y0, y1), np.maximum(y0, y1)
    first = np.clip(np.ceil(low - 0.5), 0, height).astype(np.intp)
    stop = np.clip(np.ceil(high - 0.5), 0, height).astype(np.intp)
    counts = np.maximum(stop - first, 0)
    edge = np.repeat(np.arange(len(pts)), counts)
    offsets = np.cumsum(counts) - counts
    rows = first[edge] + (np.arange(counts.sum()) - offsets[edge])
    yc = rows + 0.5
    t = (yc - y0[edge]) / (y1[edge] - y0[edge])
    return rows, x0[edge] + t * (x1[edge] - x0[edge])
