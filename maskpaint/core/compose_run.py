"""What one edit does with compose, shared by `maskpaint edit` and the app.

Both front-ends make the same decisions: the request a crop-to-mask run sends, how an
arriving variant becomes a full-resolution result (composite, or paste back into the
crop's place), how a plan is written into a run's settings and read back, and the one
line that tells a designer what cropping buys.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from maskpaint.core.compose import (
    FEATHER_PX,
    CropPlan,
    composite,
    crop_inputs,
    paste_back,
    plan_crop,
)
from maskpaint.core.history_records import RunRecord
from maskpaint.core.imageio import encode, open_image
from maskpaint.core.mask import Mask
from maskpaint.core.mask_geom import Box
from maskpaint.core.models import get_model
from maskpaint.core.request import EditRequest, ImageFile

#: Photo pixels of context around the mask in a crop.
DEFAULT_PADDING = 32
#: The key under which a run's settings (request.json) record its compose choices.
SETTINGS_KEY = "compose"
#: A cropped run's folder holds the crop as sent; these keep the full photo and mask,
#: so Regenerate can paste its answers back too.
FULL_PHOTO_NAME = "crop-source-photo.png"
FULL_MASK_NAME = "crop-source-mask.png"


@dataclass(frozen=True)
class ComposeSettings:
    """How a run's answers become full-resolution results. Crop implies composite:
    a crop's answer means nothing until it is pasted back into the photo."""

    composite: bool = True
    feather_px: float = FEATHER_PX
    crop_to_mask: bool = False
    padding: int = DEFAULT_PADDING

    @property
    def active(self) -> bool:
        return self.composite or self.crop_to_mask


@dataclass(frozen=True)
class Composition:
    """What compositing one run's variants needs: the photo and the mask as sent (not
    as painted since), the crop plan if a crop was sent, and the edge's softness."""

    original: Image.Image
    mask: Mask
    plan: CropPlan | None
    feather_px: float = FEATHER_PX

    def sources(self) -> tuple[tuple[str, bytes], ...]:
        """Files a cropped run keeps beside its crop (see FULL_PHOTO_NAME); none otherwise."""
        if self.plan is None:
            return ()
        return (
            (FULL_PHOTO_NAME, encode(self.original, "PNG")),
            (FULL_MASK_NAME, self.mask.to_api_png()),
        )

    def result(self, variant_data: bytes) -> Image.Image:
        """The variant at the photo's full resolution, the photo kept outside the mask."""
        variant = open_image(variant_data).image
        if self.plan is None:
            return composite(self.original, variant, self.mask, feather_px=self.feather_px)
        return paste_back(self.original, variant, self.mask, self.plan, self.feather_px)


def plan_for(
    settings: ComposeSettings | None, request: EditRequest, size: tuple[int, int], mask: Mask
) -> CropPlan | None:
    """The crop to send for `request`'s model, or None when not cropping."""
    if settings is None or not settings.crop_to_mask:
        return None
    return plan_crop(size, mask, get_model(request.model), padding=settings.padding)


def restored_composition(record: RunRecord) -> Composition | None:
    """How to composite a run sent again (Regenerate), from what its folder holds;
    None when it asked for no composite or its files are gone.

    A cropped run pastes back into the full photo it kept (`Composition.sources`).
    """
    choices = record.settings.get(SETTINGS_KEY)
    if not isinstance(choices, dict):
        return None
    feather = float(choices.get("feather_px", FEATHER_PX))
    plan = plan_from_record(choices)
    if plan is None and "crop" in choices:
        return None
    if plan is None:
        if not record.inputs or record.mask is None:
            return None
        photo_path, mask_path = record.inputs[0].path, record.mask.path
    else:
        photo_path, mask_path = record.path / FULL_PHOTO_NAME, record.path / FULL_MASK_NAME
        if not (photo_path in record.attachments and mask_path in record.attachments):
            return None
    original = open_image(photo_path).image
    mask = Mask.from_image(open_image(mask_path).image, original.size, convention="alpha")
    return Composition(original, mask, plan, feather)


def composite_name(index: int) -> str:
    """The run-folder file of variant `index`'s full-resolution result."""
    return f"composite-{index}.png"


def cropped_request(
    request: EditRequest, original: Image.Image, mask: Mask, plan: CropPlan, stem: str
) -> EditRequest:
    """`request` sending the plan's crop of the photo and mask, at the plan's size;
    reference images (images[1:]) go as they were."""
    image_png, mask_png = crop_inputs(original, mask, plan)
    return request.with_changes(
        images=(ImageFile(image_png, f"{stem}-crop.png", "image/png"), *request.images[1:]),
        mask=ImageFile(mask_png, f"{stem}-crop-mask.png", "image/png"),
        size=plan.size,
    )


def upload_bytes(request: EditRequest) -> int:
    """Bytes of the photo and mask parts: what cropping shrinks."""
    mask = len(request.mask.data) if request.mask is not None else 0
    return len(request.images[0].data) + mask


def crop_line(plan: CropPlan, crop_bytes: int, whole_bytes: int) -> str:
    """One line for the panel: what the crop sends and what it buys the edit."""
    if plan.whole_image:
        return (
            f"Cropping would not help: the mask spans most of the photo, "
            f"so it is sent whole as {_times(plan.send_size)}."
        )
    share = crop_bytes / whole_bytes if whole_bytes else 1.0
    return (
        f"crop {_times((plan.crop.width, plan.crop.height))} → {_times(plan.send_size)}: "
        f"{plan.gain:.0f}× more model pixels on the edit, {share:.0%} of the upload "
        f"({_megabytes(crop_bytes)} instead of {_megabytes(whole_bytes)})"
    )


def settings_record(settings: ComposeSettings, plan: CropPlan | None) -> dict[str, Any]:
    """The run's record of its compose choices (request.json settings), plan included."""
    record: dict[str, Any] = {"composite": True, "feather_px": settings.feather_px}
    if plan is not None:
        record["crop"] = {
            "image_size": list(plan.image_size),
            "crop": [plan.crop.left, plan.crop.top, plan.crop.right, plan.crop.bottom],
            "send_size": list(plan.send_size),
            "whole_send_size": list(plan.whole_send_size),
            "padding": settings.padding,
        }
    return record


def plan_from_record(record: Any) -> CropPlan | None:
    """The plan `settings_record` wrote, or None if there is none (or it is damaged)."""
    crop = record.get("crop") if isinstance(record, dict) else None
    if not isinstance(crop, dict):
        return None
    try:
        left, top, right, bottom = (int(v) for v in crop["crop"])
        return CropPlan(
            _pair(crop["image_size"]),
            Box(left, top, right, bottom),
            _pair(crop["send_size"]),
            _pair(crop["whole_send_size"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def stem_of(filename: str) -> str:
    return Path(filename).stem or "image"


def _pair(value: Any) -> tuple[int, int]:
    first, second = value
    return int(first), int(second)


def _times(size: tuple[int, int]) -> str:
    return f"{size[0]}×{size[1]}"


def _megabytes(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count / 1e3:.0f} kB"
