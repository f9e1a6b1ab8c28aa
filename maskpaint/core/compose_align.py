"""Undo the small drift GPT image models add when they redraw a whole picture.

The models answer with the picture redrawn, often a few pixels off and slightly zoomed.
After scaling the variant back to the original's size, OpenCV's ECC finds the affine
warp that best maps the original's KEPT region onto the variant (the edited region, and
a margin around it, are left out: that is where the two are meant to differ). The warp is
accepted only when it is small (a few percent of scale and shift) and really improves
the match; otherwise the plain scale stands. ECC runs on a copy at most `WORK_SIDE` pixels
long, which keeps it to milliseconds on a 24 MP photo; the warp is then scaled up.
"""

from __future__ import annotations

import cv2
import numpy as np

#: Long side of the images ECC works on. Drift worth undoing is a few pixels of a
#: ~1000 px answer, which this still resolves to a fraction of a pixel.
WORK_SIDE = 512
#: Largest accepted change of scale, rotation or shear (the 2x2 part minus identity).
MAX_LINEAR_DRIFT = 0.05
#: Largest accepted shift, as a fraction of the image's side.
MAX_SHIFT = 0.05
#: Kept pixels nearer the edit than this fraction of the long side are left out.
EDIT_MARGIN = 0.02
#: Fewer kept pixels than this fraction of the image: too little to align on.
MIN_KEPT = 0.10
#: A warp that moves no pixel by more than this is not worth a resampling.
MIN_MOVE_PX = 0.25


def estimate_warp(reference: np.ndarray, moving: np.ndarray, edit: np.ndarray) -> np.ndarray | None:
    """The 2x3 affine (full-resolution pixel centres, for WARP_INVERSE_MAP) that aligns
    `moving` to `reference`, or None to keep the plain scale.

    reference, moving: (h, w, 3|4) uint8 of the same size; edit: bool (h, w), True where
    the images are expected to differ.
    """
    height, width = edit.shape
    factor = min(1.0, WORK_SIDE / max(width, height))
    size = (max(8, round(width * factor)), max(8, round(height * factor)))
    ref = _gray(reference, size)
    mov = _gray(moving, size)
    valid = _kept_region(edit, size)
    if np.count_nonzero(valid) < MIN_KEPT * valid.size:
        return None
    warp = _find_ecc(ref, mov, valid)
    if warp is None or not _is_small(warp, size):
        return None
    before = cv2.computeECC(ref, mov, valid)
    after = cv2.computeECC(ref, _warp(mov, warp, size), valid)
    if not after > before + 1e-3:
        return None
    full = _to_full_resolution(warp, size, (width, height))
    return None if _largest_move(full, (width, height)) < MIN_MOVE_PX else full


def apply_warp(image: np.ndarray, warp: np.ndarray) -> np.ndarray:
    """image resampled through warp (from estimate_warp), same size, edges replicated."""
    height, width = image.shape[:2]
    return _warp(image, warp, (width, height), cv2.INTER_CUBIC)


def _gray(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    rgb = np.ascontiguousarray(image[..., :3])
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)


def _kept_region(edit: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """uint8 (255 = use) at work size: not edited, and not within the margin of an edit."""
    touched = cv2.resize(edit.view(np.uint8) * np.uint8(255), size, interpolation=cv2.INTER_AREA)
    margin = max(2, round(EDIT_MARGIN * max(size)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
    near_edit = cv2.dilate((touched > 0).view(np.uint8), kernel)
    return np.where(near_edit > 0, np.uint8(0), np.uint8(255))


def _find_ecc(ref: np.ndarray, mov: np.ndarray, valid: np.ndarray) -> np.ndarray | None:
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 100, 1e-5)
    start = np.eye(2, 3, dtype=np.float32)
    try:
        _, found = cv2.findTransformECC(ref, mov, start, cv2.MOTION_AFFINE, criteria, valid, 5)
    except cv2.error:  # ECC throws when it does not converge: keep the plain scale
        return None
    warp = np.asarray(found, dtype=np.float64)
    return warp if np.all(np.isfinite(warp)) else None


def _is_small(warp: np.ndarray, size: tuple[int, int]) -> bool:
    linear = np.abs(warp[:, :2] - np.eye(2)).max()
    shift_x, shift_y = np.abs(warp[:, 2])
    return bool(
        linear <= MAX_LINEAR_DRIFT
        and shift_x <= MAX_SHIFT * size[0]
        and shift_y <= MAX_SHIFT * size[1]
    )


def _warp(
    image: np.ndarray,
    warp: np.ndarray,
    size: tuple[int, int],
    interpolation: int = cv2.INTER_LINEAR,
) -> np.ndarray:
    return cv2.warpAffine(
        image,
        warp,
        size,
        flags=interpolation | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )


def _to_full_resolution(
    warp: np.ndarray, small: tuple[int, int], full: tuple[int, int]
) -> np.ndarray:
    """Conjugate the work-size warp by the pixel-centre scaling between the two sizes."""
    fx, fy = small[0] / full[0], small[1] / full[1]
    to_small = np.array([[fx, 0, 0.5 * fx - 0.5], [0, fy, 0.5 * fy - 0.5], [0, 0, 1]])
    square = np.vstack([warp.astype(np.float64), [0, 0, 1]])
    return (np.linalg.inv(to_small) @ square @ to_small)[:2]


def _largest_move(warp: np.ndarray, size: tuple[int, int]) -> float:
    """How far the warp moves the farthest corner (an affine map's maximum on a box)."""
    width, height = size
    corners = np.array([[0, 0, 1], [width, 0, 1], [0, height, 1], [width, height, 1]], float)
    moved = corners @ warp.T
    return float(np.abs(moved - corners[:, :2]).max())
