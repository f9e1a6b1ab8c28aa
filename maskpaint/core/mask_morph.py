"""Whole-mask reshaping: grow, shrink and feather, by exact Euclidean distance.

Distance transforms cost the same for 1 px as for 100 px, where a dilation with a round
kernel grows with the kernel's area; and "within N px" then means exactly what the brush
means by a radius (distance between pixel centres).
"""

from __future__ import annotations

import cv2
import numpy as np


def _distance_to_zero(binary: np.ndarray) -> np.ndarray:
    """Per pixel, the exact distance to the nearest pixel where binary is False (0 there)."""
    return cv2.distanceTransform(binary.view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def grown(coverage: np.ndarray, px: int) -> np.ndarray:
    """Coverage with every pixel within px of a sent pixel made fully sent (hard new edge)."""
    sent = coverage >= 128
    if not sent.any():
        return coverage.copy()
    reach = _distance_to_zero(~sent) <= px
    return np.where(reach, np.uint8(255), coverage)


def shrunk(coverage: np.ndarray, px: int) -> np.ndarray:
    """Coverage with every pixel within px of an unsent pixel cleared (hard new edge)."""
    kept = coverage < 128
    if not kept.any():
        # Nothing outside the mask: the image border is not an edge, so nothing shrinks.
        return coverage.copy()
    reach = _distance_to_zero(~kept) <= px
    return np.where(reach, np.uint8(0), coverage)


def feathered(coverage: np.ndarray, px: int) -> np.ndarray:
    """Coverage whose edge is a linear ramp px wide, centred on the sent edge.

    The ramp stays >= 128 inside and < 128 outside, so feathering softens the edge for
    display and compositing without changing which pixels are sent.
    """
    sent = coverage >= 128
    if sent.all() or not sent.any():
        return coverage.copy()
    # Signed distance from the edge that runs between sent and unsent pixel centres.
    inside = _distance_to_zero(sent) - 0.5
    outside = _distance_to_zero(~sent) - 0.5
    signed = np.where(sent, inside, -outside)
    ramp = np.clip(127.5 + signed * (255.0 / px), 0.0, 255.0)
    values = np.rint(ramp).astype(np.uint8)
    np.maximum(values, 128, out=values, where=sent)
    np.minimum(values, 127, out=values, where=~sent)
    return values
