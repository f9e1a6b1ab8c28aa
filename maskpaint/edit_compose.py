"""`maskpaint edit --composite` and `--crop-to-mask`: results at the photo's full resolution.

--composite writes, beside each variant as received, `STEM-composite-N.png`: the original
photo with the variant only inside the mask (core/compose.py). --crop-to-mask sends a
crop around the mask resized to the model's size instead of the whole photo, says what
that saves and gains, and writes each answer pasted back into the full photo the same way.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from maskpaint.core.api import Variant
from maskpaint.core.compose import FEATHER_PX, CropPlan, plan_crop
from maskpaint.core.compose_run import (
    DEFAULT_PADDING,
    Composition,
    cropped_request,
    upload_bytes,
)
from maskpaint.core.errors import MaskpaintError
from maskpaint.core.imageio import encode, open_image
from maskpaint.core.mask import Mask
from maskpaint.core.models import get_model
from maskpaint.core.request import EditRequest

Say = Callable[[str], None]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("full-resolution results (need --mask)")
    group.add_argument(
        "--composite",
        action="store_true",
        help="also write STEM-composite-N.png: the photo, changed only inside the mask",
    )
    group.add_argument(
        "--crop-to-mask",
        action="store_true",
        help="send only a crop around the mask, at the model's size, and paste the answer "
        "back into the full photo (implies --composite)",
    )
    group.add_argument(
        "--padding",
        type=int,
        default=DEFAULT_PADDING,
        metavar="PX",
        help=f"photo pixels of context around the mask in the crop (default {DEFAULT_PADDING})",
    )
    group.add_argument(
        "--feather",
        type=float,
        default=FEATHER_PX,
        metavar="PX",
        help=f"soft edge inside the mask, in photo pixels (default {FEATHER_PX:g})",
    )


@dataclass
class Composer:
    """Writes the full-resolution composite of each variant beside the saved variant."""

    original: Image.Image
    mask: Mask
    plan: CropPlan | None
    feather: float
    say: Say
    failed: list[int] = field(default_factory=list)

    def saving(self, save: Callable[[Variant], Path]) -> Callable[[Variant], None]:
        """An on_variant callback: save the variant as received, then its composite."""

        def on_variant(variant: Variant) -> None:
            self.write(variant, save(variant))

        return on_variant

    def write(self, variant: Variant, saved: Path) -> Path | None:
        """Composite one variant; a failure is said and remembered, never stops the run."""
        composition = Composition(self.original, self.mask, self.plan, self.feather)
        try:
            result = composition.result(variant.data)
        except MaskpaintError as error:
            self.say(f"image {variant.index + 1} could not be composited: {error.user_message}")
            self.failed.append(variant.index)
            return None
        path = _beside(saved)
        path.write_bytes(encode(result, "PNG"))
        print(path, flush=True)
        return path


def prepare(
    args: argparse.Namespace, request: EditRequest, say: Say
) -> tuple[EditRequest, Composer | None]:
    """The request to send (the crop, with --crop-to-mask) and who composites the answers."""
    if not (args.composite or args.crop_to_mask):
        return request, None
    if args.mask is None or request.mask is None:
        raise MaskpaintError("--composite and --crop-to-mask need --mask: the area to edit.")
    if args.crop_to_mask and args.size:
        raise MaskpaintError("--crop-to-mask picks the size to send itself; leave out --size.")
    original = open_image(args.images[0]).image
    mask = Mask.from_image(open_image(args.mask).image, original.size, convention="alpha")
    plan = None
    if args.crop_to_mask:
        plan = plan_crop(original.size, mask, get_model(request.model), padding=args.padding)
        request = _cropped(request, original, mask, plan, args.images[0].stem, say)
    return request, Composer(original, mask, plan, args.feather, say)


def _cropped(
    request: EditRequest, original: Image.Image, mask: Mask, plan: CropPlan, stem: str, say: Say
) -> EditRequest:
    cropped = cropped_request(request, original, mask, plan, stem)
    whole_bytes, crop_bytes = upload_bytes(request), upload_bytes(cropped)
    say(f"crop to mask: {plan.summary()}")
    say(
        f"upload: {crop_bytes:,} bytes instead of {whole_bytes:,} for the whole photo "
        f"({crop_bytes / whole_bytes:.1%})"
    )
    return cropped


def _beside(saved: Path) -> Path:
    """STEM-edit-N.ext -> STEM-composite-N.png in the same folder, never over a file."""
    head, _, number = saved.stem.rpartition("-edit-")
    path = saved.with_name(f"{head}-composite-{number}.png")
    extra = 2
    while path.exists():
        path = saved.with_name(f"{head}-composite-{number}-{extra}.png")
        extra += 1
    return path
