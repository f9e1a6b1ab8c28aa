"""Crop to mask on a 24 MP photo with a small mask, against sending the whole photo.

The photo is ../shared/samples/coffee.png upscaled to 6000x4000 at bench time; the mask
is a 300x200 ellipse. "Whole" is what is sent without crop-to-mask: the photo as a PNG
(the app's encoder) and the API mask of its size; the model then draws the whole frame
at its size. "Crop" is what crop_inputs sends. Model pixels per photo pixel are by area,
over the edit region. Times are medians, whole-image work being the baseline.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from bench.table import median, print_table, timings
from maskpaint.core.compose import composite, crop_inputs, paste_back, plan_crop
from maskpaint.core.imageio import encode
from maskpaint.core.mask import Box, Mask
from maskpaint.core.models import get_model

SIZE = (6000, 4000)
MODELS = ("gpt-image-1.5", "gpt-image-2", "dall-e-2")
REPEAT = 3


def _sample() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        path = parent / "shared" / "samples" / "coffee.png"
        if path.exists():
            return path
    return here.parents[1] / "resources" / "sample.png"


def _photo() -> Image.Image:
    with Image.open(_sample()) as image:
        return image.convert("RGB").resize(SIZE, Image.Resampling.BICUBIC)


def _mask() -> Mask:
    mask = Mask(*SIZE)
    mask.fill_ellipse(Box(3600, 1500, 3900, 1700))
    return mask


def _upload_rows(photo: Image.Image, mask: Mask) -> list[list[object]]:
    whole = len(encode(photo, "PNG")) + len(mask.to_api_png())
    rows: list[list[object]] = []
    for name in MODELS:
        plan = plan_crop(SIZE, mask, get_model(name))
        image_png, mask_png = crop_inputs(photo, mask, plan)
        crop = len(image_png) + len(mask_png)
        rows.append(
            [
                name,
                f"{plan.crop.width}x{plan.crop.height} -> {plan.size}",
                f"{whole:,}",
                f"{crop:,}",
                crop / whole,
                plan.whole_density,
                plan.crop_density,
                plan.gain,
            ]
        )
    return rows


def _time_rows(photo: Image.Image, mask: Mask) -> list[list[object]]:
    plan = plan_crop(SIZE, mask, get_model("gpt-image-1.5"))
    whole_variant = Image.new("RGB", plan.whole_send_size, (90, 140, 60))
    crop_variant = Image.new("RGB", plan.send_size, (90, 140, 60))
    encode_whole = median(timings(lambda: encode(photo, "PNG"), REPEAT))
    encode_crop = median(timings(lambda: crop_inputs(photo, mask, plan), REPEAT))
    merge_whole = median(timings(lambda: composite(photo, whole_variant, mask), REPEAT))
    merge_crop = median(timings(lambda: paste_back(photo, crop_variant, mask, plan, 4.0), REPEAT))
    return [
        ["prepare upload (encode)", encode_whole, encode_crop, encode_crop / encode_whole],
        ["merge answer (composite)", merge_whole, merge_crop, merge_crop / merge_whole],
    ]


def main() -> None:
    photo, mask = _photo(), _mask()
    print_table(
        "Crop to mask, 6000x4000 photo, 300x200 mask: upload and model pixels, crop vs whole",
        [
            "model",
            "crop -> sent",
            "whole bytes",
            "crop bytes",
            "bytes crop/whole",
            "px/px whole",
            "px/px crop",
            "px/px crop/whole",
        ],
        _upload_rows(photo, mask),
    )
    print()
    print_table(
        "Crop to mask, 6000x4000 photo: CPU seconds (median of 3), crop vs whole",
        ["step", "whole s", "crop s", "crop/whole"],
        _time_rows(photo, mask),
    )


if __name__ == "__main__":
    main()
