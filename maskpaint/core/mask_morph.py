"""Whole-mask reshaping: grow, shrink and feather, by exact Euclidean distance.

"Within N px" means exactly what the brush means by a radius: the distance between pixel
centres. Pixels outside the image never count, so the image border is not an edge.
"""

from __future__ import annotations

import cv2
import numpy as np

#: Up to this reach a dilation with a disc kernel is faster than the distance transform
#: (measured on an 8K mask: 0.1-0.2 s against about 1 s at 8 px; they cross near 20-25
#: px). Both are exact, so the choice never changes the result.
DILATE_MAX_PX = 16


def within(binary: np.ndarray, px: int) -> np.ndarray:
    """bool: the pixels whose centre lies within px of the centre of a True pixel."""
    if px <= DILATE_MAX_PX:
        ys, xs = np.ogrid[-px : px + 1, -px : px + 1]
        disc = (xs * xs + ys * ys <= px * px).astype(np.uint8)
        return np.asarray(cv2.dilate(binary.view(np.uint8), disc)).view(bool)
    return np.asarray(_distance_to_zero(~binary) <= px)


def _distance_to_zero(binary: np.ndarray) -> np.ndarray:
    """Per pixel, the exact distance to the nearest pixel where binary is False (0 there)."""
    return cv2.distanceTransform(binary.view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def grown(coverage: np.ndarray, px: int) -> np.ndarray:
    """Coverage with every pixel within px of a sent pixel made fully sent (hard new edge)."""
    sent = coverage >= 128
    if not sent.any():
        return coverage.copy()
    return np.where(within(sent, px), np.uint8(255), coverage)


def shrunk(coverage: np.ndarray, px: int) -> np.ndarray:
    """Coverage with every pixel within px of an unsent pixel cleared (hard new edge)."""
    kept = coverage < 128
    if not kept.any():
        # Nothing outside the mask: the image border is not an edge, so nothing shrinks.
        return coverage.copy()
    return np.where(within(kept, px), np.uint8(0), coverage)


def feathered(coverage: np.ndarray, px: int) -> np.ndarray:
    """Coverage whose edge is a linear ramp px wide, centred on the sent edge.

    The ramp stays >= 128 inside and < 128 outside, so feathering softens the edge for
    display and compositing without changing which pixels are sent.
    """
    sent = coverage >= 128
    if sent.all() or not sent.any():
        return coverage.copy()
    # Signed distance from the edge that runs between sent and unsent pixel centres. Each
    # pixel has one non-zero distance: to the unsent side if sent, to the sent side if not.
    # A soft ramp tolerates the 5x5 mask's ~1 % distance error (at most 2 grey levels,
    # measured), which makes it 3x faster than the precise transform at 8K.
    inside = cv2.distanceTransform(sent.view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_5)
    outside = cv2.distanceTransform((~sent).view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_5)
    signed = inside - outside
    signed -= np.where(sent, np.float32(0.5), np.float32(-0.5))
    signed *= np.float32(255.0 / px)
    signed += np.float32(127.5)
    values = np.rint(np.clip(signed, 0.0, 255.0, out=signed)).astype(np.uint8)
    np.maximum(values, 128, out=values, where=sent)
    np.minimum(values, 127, out=values, where=~sent)
    return values
