"""Smart selection: magic wand and "select subject in rectangle", as mask coverage.

Each tool returns a coverage array of the image's size (uint8, 255 = selected) and never
touches a mask itself. `combine` merges it with the current coverage (add, subtract,
intersect or replace), and `apply_selection` does that as ONE undoable `Mask.replace`,
so a GUI button is one call. Grow, shrink and feather are on `Mask` already.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

import cv2
import numpy as np

from maskpaint.core.errors import MaskError
from maskpaint.core.mask import Mask, MaskEdit
from maskpaint.core.mask_geom import Box

__all__ = ["SelectMode", "apply_selection", "combine", "magic_wand", "subject_in_rect"]

SelectMode = Literal["add", "subtract", "intersect", "replace"]

#: GrabCut works on at most this many pixels around the rectangle; its Gaussian mixtures
#: and graph cut cost grow with the pixel count, and a subject's outline needs no more.
GRABCUT_PIXELS = 400_000
#: Background GrabCut learns from: this share of the rectangle's size on each side.
GRABCUT_MARGIN = 0.25


def magic_wand(
    image_rgb: np.ndarray, x: float, y: float, tolerance: int, contiguous: bool = True
) -> np.ndarray:
    """Pixels whose colour is within `tolerance` (0..255, per channel) of the pixel at (x, y).

    (x, y) are image coordinates as the mask uses them: the pixel under a pointer at
    (12.7, 3.2) is (12, 3).

    Contiguous: only those connected to (x, y) (4-neighbours, so a diagonal touch does not
    leak into the next region); otherwise every such pixel of the image. The contiguous
    selection is always part of the global one. Alpha, if any, is ignored.
    """
    rgb = _rgb(image_rgb)
    height, width = rgb.shape[:2]
    if not (0 <= x < width and 0 <= y < height):
        raise ValueError(f"({x}, {y}) is outside the {width}x{height} image")
    x, y = math.floor(x), math.floor(y)
    tolerance = min(max(int(tolerance), 0), 255)
    if not contiguous:
        distance = np.abs(rgb.astype(np.int16) - rgb[y, x].astype(np.int16)).max(axis=2)
        return np.where(distance <= tolerance, np.uint8(255), np.uint8(0))
    filled = np.zeros((height + 2, width + 2), np.uint8)
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (255 << 8)
    diff = (tolerance,) * 3
    cv2.floodFill(rgb, filled, (x, y), (0, 0, 0), diff, diff, flags)
    return filled[1:-1, 1:-1]


def subject_in_rect(image_rgb: np.ndarray, box: Box, iterations: int = 5) -> np.ndarray:
    """The subject inside box, found by GrabCut (OpenCV) from the box alone.

    GrabCut learns the background's colours outside the box and the subject's inside.
    Big photos are worked on at reduced size (`GRABCUT_PIXELS`) and the result scaled up
    with a smooth edge. Raises MaskError when the box leaves no background to learn from.
    """
    rgb = _rgb(image_rgb)
    height, width = rgb.shape[:2]
    bounds = Box(0, 0, width, height)
    box = box.intersect(bounds)
    if box.width < 4 or box.height < 4:
        raise MaskError("The rectangle is too small: drag it around the whole subject.")
    if box == bounds:
        raise MaskError(
            "The rectangle covers the whole photo: leave a margin of background around "
            "the subject so it can be told apart."
        )
    work = _grabcut_area(box, bounds)
    scale = min(1.0, (GRABCUT_PIXELS / (work.width * work.height)) ** 0.5)
    size = (max(1, round(work.width * scale)), max(1, round(work.height * scale)))
    small = cv2.resize(rgb[work.slices], size, interpolation=cv2.INTER_AREA)
    labels = np.zeros(small.shape[:2], np.uint8)
    rect = _scaled_rect(box, work, size)
    background = np.zeros((1, 65), np.float64)
    foreground = np.zeros((1, 65), np.float64)
    cv2.grabCut(small, labels, rect, background, foreground, iterations, cv2.GC_INIT_WITH_RECT)
    subject = ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).astype(np.float32)
    full = cv2.resize(subject, (work.width, work.height), interpolation=cv2.INTER_LINEAR)
    coverage = np.zeros((height, width), np.uint8)
    coverage[work.slices] = np.where(full >= 0.5, np.uint8(255), np.uint8(0))
    return coverage


def combine(current: np.ndarray, selection: np.ndarray, mode: SelectMode) -> np.ndarray:
    """The new coverage: selection added to, cut from, intersected with, or replacing current."""
    if current.shape != selection.shape:
        raise ValueError(f"selection {selection.shape} does not match the mask {current.shape}")
    if mode == "add":
        return np.maximum(current, selection)
    if mode == "subtract":
        return np.minimum(current, 255 - selection)
    if mode == "intersect":
        return np.minimum(current, selection)
    if mode == "replace":
        return selection.astype(np.uint8, copy=True)
    raise ValueError(f"unknown selection mode {mode!r}")


def apply_selection(
    mask: Mask, selection: np.ndarray, mode: SelectMode = "add", label: str = "Selection"
) -> MaskEdit | None:
    """Merge selection into mask as one undo step named `label`; None if nothing changed."""
    edit = mask.replace(combine(mask.coverage, selection, mode))
    return None if edit is None else dataclasses.replace(edit, label=label)


def _rgb(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"expected an (h, w, 3|4) uint8 image, got {image.shape} {image.dtype}")
    return np.ascontiguousarray(image[..., :3])


def _grabcut_area(box: Box, bounds: Box) -> Box:
    """box plus a margin of background on every side, inside the photo."""
    dx = max(8, round(box.width * GRABCUT_MARGIN))
    dy = max(8, round(box.height * GRABCUT_MARGIN))
    return Box(box.left - dx, box.top - dy, box.right + dx, box.bottom + dy).intersect(bounds)


def _scaled_rect(box: Box, work: Box, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """box as (x, y, w, h) in the resized work area, at least one pixel inside its edge
    wherever the work area extends past it (GrabCut needs background outside the rect)."""
    fx, fy = size[0] / work.width, size[1] / work.height
    left = round((box.left - work.left) * fx)
    top = round((box.top - work.top) * fy)
    right = round((box.right - work.left) * fx)
    bottom = round((box.bottom - work.top) * fy)
    if box.left > work.left:
        left = max(left, 1)
    if box.top > work.top:
        top = max(top, 1)
    if box.right < work.right:
        right = min(right, size[0] - 1)
    if box.bottom < work.bottom:
        bottom = min(bottom, size[1] - 1)
    return left, top, max(1, right - left), max(1, bottom - top)
