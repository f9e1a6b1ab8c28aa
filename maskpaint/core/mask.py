"""The mask a designer paints: a uint8 coverage array of the image's exact size.

0 = keep, 255 = edit fully, values between = soft edge. What is sent to the API is the
coverage thresholded at 50 % (>= 128). Every edit writes into `coverage` in place (the
array object never changes, so a view of its buffer stays valid) and returns a MaskEdit
holding only the changed region, or None when nothing changed.

Coordinates are image pixels as floats; the pixel (x, y) spans [x, x + 1) and its centre is
(x + 0.5, y + 0.5). A pointer over a pixel's middle is therefore at x + 0.5, not x.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import cv2
import numpy as np
from PIL import Image

from maskpaint.core.errors import MaskError
from maskpaint.core.mask_edit import (
    MaskEdit,
    Patch,
    TileRecorder,
    changed_patch,
    edit_from_patches,
)
from maskpaint.core.mask_geom import (
    MIN_RADIUS,
    Box,
    Brush,
    dab_spacing,
    ellipse_patch,
    polygon_patch,
    render_dab,
)
from maskpaint.core.mask_io import Convention, coverage_from_image, encode_api_png
from maskpaint.core.mask_morph import feathered, grown, shrunk

__all__ = ["Box", "Brush", "Mask", "MaskEdit", "Stroke"]


class Mask:
    """Coverage of one image; see the module docstring for the model."""

    def __init__(self, width: int, height: int, coverage: np.ndarray | None = None) -> None:
        if width < 1 or height < 1:
            raise ValueError(f"a mask needs a positive size, got {width}x{height}")
        self.width = width
        self.height = height
        if coverage is None:
            self.coverage = np.zeros((height, width), np.uint8)
        else:
            _check_coverage(coverage, width, height)
            self.coverage = np.array(coverage, dtype=np.uint8, order="C", copy=True)

    def __repr__(self) -> str:
        return f"Mask({self.width}x{self.height})"  # cheap: no pass over an 8K array

    @property
    def bounds(self) -> Box:
        return Box(0, 0, self.width, self.height)

    # --- painting -------------------------------------------------------------------------

    def stroke(self, brush: Brush) -> Stroke:
        """Start one press-drag-release of the brush."""
        return Stroke(self, brush)

    def fill_rect(self, box: Box, subtract: bool = False) -> MaskEdit | None:
        """Fill (or clear, with subtract) the pixels of box."""
        clipped = box.intersect(self.bounds)
        if clipped.is_empty:
            return None
        patch = np.full((clipped.height, clipped.width), 255, np.uint8)
        return self._apply_shape("Rectangle", (clipped, patch), subtract)

    def fill_ellipse(self, box: Box, subtract: bool = False) -> MaskEdit | None:
        """Fill (or clear) the ellipse inscribed in box: pixels whose centre is inside it."""
        return self._apply_shape("Ellipse", ellipse_patch(box, self.bounds), subtract)

    def fill_polygon(
        self, points: Sequence[tuple[float, float]], subtract: bool = False
    ) -> MaskEdit | None:
        """Fill (or clear) a lasso: pixels whose centre is inside the polygon (even-odd)."""
        return self._apply_shape("Lasso", polygon_patch(points, self.bounds), subtract)

    def _apply_shape(
        self, label: str, shape: tuple[Box, np.ndarray] | None, subtract: bool
    ) -> MaskEdit | None:
        if shape is None:
            return None
        box, patch = shape
        view = self.coverage[box.slices]
        before = view.copy()
        if subtract:
            np.minimum(view, 255 - patch, out=view)
        else:
            np.maximum(view, patch, out=view)
        return edit_from_patches(label, _as_list(changed_patch(box, before, view)))

    # --- whole-mask operations ------------------------------------------------------------

    def clear(self) -> MaskEdit | None:
        """Keep everything; the record holds only the old non-zero region."""
        x, y, w, h = cv2.boundingRect(self.coverage)
        if w == 0 or h == 0:
            return None
        box = Box(x, y, x + w, y + h)
        before = self.coverage[box.slices].copy()
        self.coverage[box.slices] = 0
        return MaskEdit("Clear mask", box, (Patch(box, before, 0),))

    def invert(self) -> MaskEdit | None:
        """Swap edit and keep (255 - coverage); the record is empty, invert undoes itself."""
        np.subtract(255, self.coverage, out=self.coverage)
        return MaskEdit("Invert mask", self.bounds, inverts=True)

    def grow(self, px: int) -> MaskEdit | None:
        """Add every pixel within px of the sent area (exact Euclidean distance)."""
        return self._reshape("Grow", px, lambda c: grown(c, px))

    def shrink(self, px: int) -> MaskEdit | None:
        """Remove every pixel within px of the kept area (exact Euclidean distance)."""
        return self._reshape("Shrink", px, lambda c: shrunk(c, px))

    def feather(self, px: int) -> MaskEdit | None:
        """Make the edge a px-wide soft ramp, without changing which pixels are sent."""
        return self._reshape("Feather", px, lambda c: feathered(c, px))

    def replace(self, coverage: np.ndarray) -> MaskEdit | None:
        """Take new coverage wholesale (e.g. after an import), as one undoable step."""
        _check_coverage(coverage, self.width, self.height)
        return self._record("Replace mask", self.bounds, self.coverage, coverage)

    def _reshape(
        self, label: str, px: int, op: Callable[[np.ndarray], np.ndarray]
    ) -> MaskEdit | None:
        if px < 0:
            raise ValueError(f"{label.lower()} needs a non-negative number of pixels, got {px}")
        x, y, w, h = cv2.boundingRect(self.coverage)
        if px == 0 or w == 0:
            return None
        # Work on the painted region plus a margin: beyond it the result is 0 as before.
        margin = px + 2
        box = Box(x - margin, y - margin, x + w + margin, y + h + margin).intersect(self.bounds)
        crop = np.ascontiguousarray(self.coverage[box.slices])
        return self._record(label, box, crop, op(crop))

    def _record(
        self, label: str, box: Box, before: np.ndarray, after: np.ndarray
    ) -> MaskEdit | None:
        """Write `after` over box (which held `before`), recording only what changed."""
        patch = changed_patch(box, before, after)
        if patch is None:
            return None
        self.coverage[patch.box.slices] = patch.after
        return edit_from_patches(label, [patch])

    # --- facts and export -----------------------------------------------------------------

    def binary(self) -> np.ndarray:
        """bool (h, w): the pixels sent as "edit" (coverage >= 128)."""
        return self.coverage >= 128

    def bbox(self) -> Box | None:
        """Bounding box of the sent pixels, or None if none are."""
        x, y, w, h = cv2.boundingRect(self.binary().view(np.uint8))
        return None if w == 0 or h == 0 else Box(x, y, x + w, y + h)

    def edited_fraction(self) -> float:
        """Share of the image's pixels that would be sent as "edit" (0..1)."""
        return int(np.count_nonzero(self.binary())) / (self.width * self.height)

    def to_api_png(self) -> bytes:
        """The API's mask: RGBA PNG of the image's size, alpha 0 where sent, else 255.

        Raises MaskError if the PNG would not fit the API's 4 MB limit. The encode takes
        up to a second at 8K; to run it off the GUI thread while painting goes on, take
        `binary()` (a fresh array) on the GUI thread and pass it to
        `mask_io.encode_api_png` in the worker.
        """
        return encode_api_png(self.binary())

    @classmethod
    def from_image(
        cls,
        image: Image.Image,
        size: tuple[int, int],
        *,
        convention: Convention = "auto",
        resize: bool = False,
    ) -> Mask:
        """A mask from another tool's image, for an image of `size` (width, height).

        "alpha": alpha 0 = edit (the API's form); "luma": white = edit (Stable Diffusion,
        Leonardo). "auto": alpha if the image has any alpha below 255, else luma. A size
        mismatch raises MaskError unless resize=True (nearest neighbour).
        """
        coverage = coverage_from_image(image, size, convention, resize)
        return cls(size[0], size[1], coverage)


class Stroke:
    """One press-drag-release of a brush over a mask.

    Dabs are laid every dab_spacing(radius) along the path, the spacing carried across
    add_point calls so pointer speed does not change the result, plus one dab at every
    point received, so the stroke always reaches the pointer. Within a stroke paint takes
    max(coverage, dab) and erase min(coverage, 255 - dab): overlapping dabs never build up.
    """

    def __init__(self, mask: Mask, brush: Brush) -> None:
        self._mask = mask
        self._brush = brush
        self._recorder = TileRecorder(mask.coverage)
        self._last: tuple[float, float, float] | None = None
        self._travelled = 0.0  # distance since the last spaced dab
        self._finished = False
        self.dirty: Box | None = None
        self.dabs = 0  # dabs laid so far (for benchmarks and tests)

    def add_point(self, x: float, y: float, pressure: float = 1.0) -> Box | None:
        """Paint from the previous point to (x, y); returns the box to repaint, if any."""
        if self._finished:
            raise RuntimeError("this stroke is finished; start a new one")
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(f"stroke point must be finite, got ({x}, {y})")
        pressure = min(max(pressure, 0.0), 1.0)
        touched: Box | None = None
        if self._last is not None:
            touched = self._segment(*self._last, x, y, pressure)
        touched = _union(touched, self._dab(x, y, self._radius(pressure)))
        self._last = (x, y, pressure)
        self.dirty = _union(self.dirty, touched)
        return touched

    @property
    def brush(self) -> Brush:
        return self._brush

    def finish(self) -> MaskEdit | None:
        """End the stroke; returns its undo record, or None if it changed nothing."""
        self._finished = True
        return self._recorder.finish("Eraser" if self._brush.erase else "Brush")

    def _segment(
        self, x0: float, y0: float, p0: float, x1: float, y1: float, p1: float
    ) -> Box | None:
        length = math.hypot(x1 - x0, y1 - y0)
        if length == 0.0:
            return None
        touched: Box | None = None
        pos = 0.0
        while True:
            t = pos / length
            step = max(dab_spacing(self._radius(p0 + (p1 - p0) * t)) - self._travelled, 0.0)
            if pos + step > length:
                break
            pos += step
            self._travelled = 0.0
            t = pos / length
            radius = self._radius(p0 + (p1 - p0) * t)
            touched = _union(touched, self._dab(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, radius))
        self._travelled += length - pos
        return touched

    def _radius(self, pressure: float) -> float:
        return max(self._brush.radius * pressure, MIN_RADIUS)

    def _dab(self, x: float, y: float, radius: float) -> Box | None:
        rendered = render_dab(x, y, radius, self._brush.hardness, self._mask.bounds)
        if rendered is None:
            return None
        box, patch = rendered
        self.dabs += 1
        self._recorder.touch(box)
        view = self._mask.coverage[box.slices]
        if self._brush.erase:
            np.minimum(view, 255 - patch, out=view)
        else:
            np.maximum(view, patch, out=view)
        return box


def _union(a: Box | None, b: Box | None) -> Box | None:
    if a is None:
        return b
    return a if b is None else a.union(b)


def _as_list(patch: Patch | None) -> list[Patch]:
    return [] if patch is None else [patch]


def _check_coverage(coverage: np.ndarray, width: int, height: int) -> None:
    if coverage.ndim != 2 or coverage.dtype != np.uint8:
        raise ValueError(f"coverage must be 2-D uint8, got {coverage.ndim}-D {coverage.dtype}")
    if coverage.shape != (height, width):
        raise MaskError(
            f"The mask is {coverage.shape[1]}×{coverage.shape[0]} but the image is "
            f"{width}×{height}; use a mask of the image's size.",
            detail=f"coverage shape {coverage.shape}, expected {(height, width)}",
        )
