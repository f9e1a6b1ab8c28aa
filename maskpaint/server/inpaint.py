"""Classical inpainting: fill the masked region from its surroundings, n different ways.

Stands in for an image model so the app and the tests have real pixels to work with.
Variant i cycles through OpenCV's two inpainting methods (Telea's fast marching and
Navier-Stokes), a grainy fill and a soft fill, with a radius and a seed that grow with
i, so no two variants of one request are the same. Pixels outside the mask are never
touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

Method = Literal["telea", "ns", "grain", "soft"]
_METHODS: tuple[Method, ...] = ("telea", "ns", "grain", "soft")
_LABELS = {
    "telea": "OpenCV Telea inpainting",
    "ns": "OpenCV Navier-Stokes inpainting",
    "grain": "Telea inpainting with seeded grain",
    "soft": "Telea inpainting, blurred",
}


@dataclass(frozen=True)
class Variant:
    """How one output image is made."""

    method: Method
    radius: int
    seed: int

    @property
    def description(self) -> str:
        return f"{_LABELS[self.method]}, radius {self.radius}, seed {self.seed}"


def variant_plan(n: int) -> tuple[Variant, ...]:
    """n distinct recipes: the four methods first, then again with a larger radius."""
    return tuple(Variant(method=_METHODS[i % 4], radius=3 + 4 * (i // 4), seed=i) for i in range(n))


def edit_region(mask_rgba: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    """The pixels to repaint (True), from the mask's alpha: 0 means edit, as in the API.

    Without a mask the API repaints the whole picture; so does this.
    """
    if mask_rgba is None:
        return np.ones(shape, dtype=bool)
    return np.asarray(mask_rgba[..., -1] == 0)


#: Fills are computed on at most this many pixels and scaled up: a smooth fill loses
#: nothing by it, and a 24-megapixel photo with a large mask stays quick.
WORK_PIXELS = 1_000_000


def render(image: np.ndarray, region: np.ndarray, variant: Variant) -> np.ndarray:
    """The image with `region` refilled by `variant`; same shape and dtype as `image`."""
    if not region.any():
        return image.copy()
    box = _box(region, margin=2 * variant.radius + 8)
    inside = region[box]
    filled = _fill_scaled(np.ascontiguousarray(image[box][..., :3]), inside, variant)
    out = image.copy()
    out[box][..., :3][inside] = filled[inside]
    return out


def _box(region: np.ndarray, margin: int) -> tuple[slice, slice]:
    """The region's bounding box grown by `margin`: the fill only reads its surroundings."""
    rows = np.flatnonzero(region.any(axis=1))
    cols = np.flatnonzero(region.any(axis=0))
    height, width = region.shape
    return (
        slice(max(0, rows[0] - margin), min(height, rows[-1] + margin + 1)),
        slice(max(0, cols[0] - margin), min(width, cols[-1] + margin + 1)),
    )


def _fill_scaled(color: np.ndarray, region: np.ndarray, variant: Variant) -> np.ndarray:
    height, width = region.shape
    scale = (WORK_PIXELS / (height * width)) ** 0.5
    if scale >= 1:
        return _fill(color, region, variant)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(color, size, interpolation=cv2.INTER_AREA)
    # Any coverage marks a small pixel as unknown, so no original pixel leaks into the fill.
    small_region = cv2.resize(region.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
    filled = _fill(small, small_region, variant)
    return cv2.resize(filled, (width, height), interpolation=cv2.INTER_LINEAR)


def _fill(color: np.ndarray, region: np.ndarray, variant: Variant) -> np.ndarray:
    if region.all():
        # Nothing to inpaint from: repaint the whole picture as a soft, grainy copy.
        base = cv2.GaussianBlur(color, (0, 0), sigmaX=1.5 + variant.radius)
        return _grain(base, variant.seed, 12.0)
    mask8 = region.astype(np.uint8) * 255
    flag = cv2.INPAINT_NS if variant.method == "ns" else cv2.INPAINT_TELEA
    filled = cv2.inpaint(color, mask8, variant.radius, flag)
    if variant.method == "grain":
        filled = _grain(filled, variant.seed, 10.0)
    elif variant.method == "soft":
        filled = cv2.GaussianBlur(filled, (0, 0), sigmaX=1.0 + variant.radius / 2)
    elif variant.seed >= len(_METHODS):
        # A second round of telea/ns: the radius alone may not change a tiny region.
        filled = _grain(filled, variant.seed, 3.0)
    return filled


def _grain(color: np.ndarray, seed: int, sigma: float) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0.0, sigma, color.shape)
    return np.clip(color.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def partial_renderings(
    image: np.ndarray, region: np.ndarray, final: np.ndarray, count: int
) -> list[np.ndarray]:
    """`count` progressively more finished stages between a blurry fill and `final`."""
    if not region.any():
        return [final.copy() for _ in range(count)]
    box = _box(region, margin=16)
    inside = region[box]
    sharp = final[box][..., :3].astype(np.float32)
    coarse = cv2.GaussianBlur(sharp, (0, 0), sigmaX=8.0)
    stages = []
    for index in range(count):
        t = (index + 1) / (count + 1)
        mixed = (coarse * (1 - t) + sharp * t).round().astype(np.uint8)
        stage = image.copy()
        stage[box][..., :3][inside] = mixed[inside]
        stages.append(stage)
    return stages


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """To (width, height): area averaging when shrinking, cubic when enlarging."""
    width, height = size
    if (width, height) == (image.shape[1], image.shape[0]):
        return image
    shrinking = width * height < image.shape[0] * image.shape[1]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    return cv2.resize(image, (width, height), interpolation=interpolation)
