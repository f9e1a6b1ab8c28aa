"""Plan "inpaint only the masked area": which crop of a big photo to send, at which size.

A model draws a fixed budget of pixels (1536x1024 and friends), whatever the photo's
size. Sending a 24 MP photo whole gives a small edit a few model pixels; sending a crop
around the mask, resized to the model's size, gives the same edit many more, and uploads
a fraction of the bytes. The crop is the mask's bounding box plus padding, grown to the
aspect of the size it is sent at, so the model's frame maps back onto the photo by one
plain scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from maskpaint.core.errors import MaskError
from maskpaint.core.mask import Mask
from maskpaint.core.mask_geom import Box
from maskpaint.core.models import ModelSpec, SizeRule, parse_size

#: Above this share of the photo's pixels a crop is not worth it: the model would see
#: less context for well under twice the resolution, so the whole photo is sent.
WHOLE_IMAGE_ABOVE = 0.5
#: How far (in multiples of the rule's step) the free-size search looks around its guess.
_SEARCH_STEPS = 4


@dataclass(frozen=True)
class CropPlan:
    """Which part of the photo to send, at which size, and what that buys.

    `crop` is in the photo's pixels; the crop is resized to `send_size` (W, H) and the
    request asks for `size`. The densities are model pixels per photo pixel (by area) for
    the edit region: `crop_density` with this plan, `whole_density` sending the whole photo.
    """

    image_size: tuple[int, int]
    crop: Box
    send_size: tuple[int, int]
    whole_send_size: tuple[int, int]

    @property
    def whole_image(self) -> bool:
        """True when cropping does not help and the plan sends the photo whole."""
        return self.crop == Box(0, 0, *self.image_size)

    @property
    def size(self) -> str:
        """The request's `size` field for this plan."""
        return f"{self.send_size[0]}x{self.send_size[1]}"

    @property
    def crop_density(self) -> float:
        return _area(self.send_size) / (self.crop.width * self.crop.height)

    @property
    def whole_density(self) -> float:
        return _area(self.whole_send_size) / _area(self.image_size)

    @property
    def gain(self) -> float:
        """How many times more model pixels the edit region gets than with the whole photo."""
        return self.crop_density / self.whole_density

    def summary(self) -> str:
        """One line for a status bar or the CLI."""
        if self.whole_image:
            return (
                f"the mask spans most of the photo, so it is sent whole as {self.size} "
                f"({self.whole_density:.2f} model pixels per photo pixel)"
            )
        c = self.crop
        return (
            f"crop {c.width}×{c.height} at ({c.left}, {c.top}) sent as {self.size}: "
            f"{self.crop_density:.2f} model pixels per photo pixel instead of "
            f"{self.whole_density:.2f} for the whole photo ({self.gain:.1f}×)"
        )


def plan_crop(
    image_size: tuple[int, int], mask: Mask, model: ModelSpec, *, padding: int = 32
) -> CropPlan:
    """The crop around the mask (plus padding) to send to `model`, or the whole photo when
    that would cover most of it. Raises MaskError for an empty mask."""
    width, height = image_size
    if (mask.width, mask.height) != image_size:
        raise MaskError(
            f"The mask is {mask.width}×{mask.height} but the image is {width}×{height}.",
        )
    if padding < 0:
        raise ValueError(f"padding must be non-negative, got {padding}")
    bbox = mask.bbox()
    if bbox is None:
        raise MaskError("The mask is empty: paint the area to edit before cropping to it.")
    whole = Box(0, 0, width, height)
    whole_send = best_size(width, height, model)
    padded = Box(
        bbox.left - padding, bbox.top - padding, bbox.right + padding, bbox.bottom + padding
    )
    padded = padded.intersect(whole)
    aspect = _aspect_for(padded.width / padded.height, model)
    crop = _grow_to_aspect(padded, aspect, whole)
    if crop.width * crop.height > WHOLE_IMAGE_ABOVE * width * height:
        return CropPlan(image_size, whole, whole_send, whole_send)
    return CropPlan(image_size, crop, best_size(crop.width, crop.height, model), whole_send)


def best_size(width: int, height: int, model: ModelSpec) -> tuple[int, int]:
    """The size `model` best draws a width x height picture at: the standard size of the
    nearest aspect (the largest on a tie), or for free-size models any size within its rule
    of the picture's aspect and pixel count, kept out of the experimental range."""
    rule = _free_rule(model)
    if rule is not None:
        return _free_size(width, height, rule)
    return _nearest_standard(width / height, model)


def _free_rule(model: ModelSpec) -> SizeRule | None:
    """The rule to size by; unknown models get the standard sizes every endpoint takes."""
    rule = model.size_rule
    return rule if rule is not None and model.known and rule.min_pixels is not None else None


def _nearest_standard(aspect: float, model: ModelSpec) -> tuple[int, int]:
    """The listed size whose aspect is nearest, the largest of equally near ones."""
    sizes = [s for s in (parse_size(name) for name in model.sizes) if s is not None]
    if not sizes:
        raise ValueError(f"{model.name} lists no fixed sizes")
    return min(sizes, key=lambda s: (_aspect_error(s[0] / s[1], aspect), -_area(s)))


def _aspect_for(aspect: float, model: ModelSpec) -> float:
    """The aspect the crop should have: the nearest standard size's, or clamped to the rule."""
    rule = _free_rule(model)
    if rule is None:
        w, h = _nearest_standard(aspect, model)
        return w / h
    limit = rule.max_aspect or math.inf
    return min(max(aspect, 1 / limit), limit)


def _grow_to_aspect(box: Box, aspect: float, bounds: Box) -> Box:
    """Widen or heighten box (about its centre) to aspect, then slide it inside bounds.

    A side that would outgrow bounds stops at bounds' size, so near-full-height or
    near-full-width crops keep a slightly different aspect (stretched back on paste).
    """
    width = min(max(box.width, math.ceil(box.height * aspect)), bounds.width)
    height = min(max(box.height, math.ceil(box.width / aspect)), bounds.height)
    left = _slide(box.left + (box.width - width) // 2, width, bounds.left, bounds.right)
    top = _slide(box.top + (box.height - height) // 2, height, bounds.top, bounds.bottom)
    return Box(left, top, left + width, top + height)


def _slide(start: int, length: int, low: int, high: int) -> int:
    return min(max(start, low), high - length)


def _free_size(width: int, height: int, rule: SizeRule) -> tuple[int, int]:
    """Multiples of rule.multiple near the picture's aspect, with its pixel count clamped
    between the rule's minimum and its experimental (else maximum) pixel count."""
    limit = rule.max_aspect or math.inf
    aspect = min(max(width / height, 1 / limit), limit)
    ceiling = rule.experimental_pixels or rule.max_pixels
    target = max(width * height, rule.min_pixels or 0)
    target = target if ceiling is None else min(target, ceiling)
    h = math.sqrt(target / aspect)
    w = h * aspect
    shrink = 1.0
    if rule.max_long_side is not None:
        shrink = min(shrink, rule.max_long_side / max(w, h))
    if rule.max_short_side is not None:
        shrink = min(shrink, rule.max_short_side / min(w, h))
    w, h = w * shrink, h * shrink
    step = rule.multiple
    base_w, base_h = round(w / step), round(h / step)
    offsets = range(-_SEARCH_STEPS, _SEARCH_STEPS + 1)
    candidates = [
        ((base_w + i) * step, (base_h + j) * step)
        for i in offsets
        for j in offsets
        if base_w + i > 0 and base_h + j > 0
    ]
    valid = [
        c
        for c in candidates
        if rule.problem(*c) is None and (ceiling is None or _area(c) <= ceiling)
    ]
    if not valid:
        raise ValueError(f"no size within {rule} near {w:.0f}x{h:.0f}")
    # Aspects within 0.1 % count as equal, so the pixel count decides between them.
    return min(
        valid,
        key=lambda c: (
            round(_aspect_error(c[0] / c[1], aspect), 3),
            abs(math.log(_area(c) / target)),
        ),
    )


def _aspect_error(a: float, b: float) -> float:
    """Distance between two aspects on a log scale (2:1 is as far from 1:1 as 1:2)."""
    return round(abs(math.log(a / b)), 9)


def _area(size: tuple[int, int]) -> int:
    return size[0] * size[1]
