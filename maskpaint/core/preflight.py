"""Check a request against its model's rules before a byte is sent.

Every problem comes back as one plain sentence, all at once, so a designer fixes
them in one go instead of paying for a round trip per mistake. What can be fixed
without changing the user's intent (re-encoding to PNG, scaling an oversized image
down together with its mask, leaving out a field the model does not take) is
fixed and reported as a `Fix`: never silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import PurePath

from PIL import Image

from maskpaint.core import imageio
from maskpaint.core.errors import ImageError
from maskpaint.core.models import MB, ModelSpec, get_model, one_of
from maskpaint.core.request import EditRequest, ImageFile


@dataclass(frozen=True)
class Problem:
    message: str
    field: str | None
    fixable: bool


@dataclass(frozen=True)
class Fix:
    message: str  # what was changed, always reported


@dataclass(frozen=True)
class PreflightReport:
    problems: tuple[Problem, ...]
    warnings: tuple[str, ...]
    fixes: tuple[Fix, ...]
    request: EditRequest  # the request after applying the fixes

    @property
    def ok(self) -> bool:
        """No unfixable problem remains (with apply_fixes=False: fixes would make it sendable)."""
        return not any(not problem.fixable for problem in self.problems)


@dataclass
class _Findings:
    """What the checks collect while they walk the request; frozen into the report."""

    apply_fixes: bool
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)

    def problem(self, message: str, field: str | None = None) -> None:
        self.problems.append(Problem(message, field, fixable=False))

    def should_fix(self, message: str, field: str | None) -> bool:
        """True when fixing; otherwise the fixable problem is recorded as a Problem."""
        if not self.apply_fixes:
            self.problems.append(Problem(message, field, fixable=True))
        return self.apply_fixes

    def fixed(self, message: str) -> None:
        self.fixes.append(Fix(message))


@dataclass(frozen=True)
class _Facts:
    """What an image's header says: enough to judge it without decoding."""

    format: str  # lower-case, as models.py names them: png, jpeg, webp, gif, ...
    width: int  # upright, as the user sees and paints it (EXIF orientation applied)
    height: int
    rotated: bool  # stored sideways or flipped, with an EXIF orientation to undo it


def _facts(data: bytes) -> _Facts | None:
    try:
        width, height = imageio.image_size(data)
    except ImageError:
        return None
    orientation = imageio.exif_orientation(data)
    if orientation >= 5:  # 5-8 turn the picture by a quarter: the sides swap
        width, height = height, width
    fmt = str(imageio.sniff_format(data)).lower()
    return _Facts(fmt, width, height, rotated=orientation != 1)


def preflight(request: EditRequest, *, apply_fixes: bool = True) -> PreflightReport:
    """List every problem with `request` for its model, fixing what can be fixed."""
    spec = get_model(request.model)
    found = _Findings(apply_fixes)
    request = _drop_unaccepted_fields(request, spec, found)
    _check_values(request, spec, found)
    _check_prompt(request, spec, found)
    request = _check_images(request, spec, found)
    _check_model_status(spec, found)
    return PreflightReport(
        tuple(found.problems), tuple(found.warnings), tuple(found.fixes), request
    )


def _drop_unaccepted_fields(request: EditRequest, spec: ModelSpec, found: _Findings) -> EditRequest:
    dropped: dict[str, None] = {}
    for name in request.set_fields():
        if spec.accepts(name):
            continue
        reason = (
            f"{spec.name} cannot stream"
            if name in ("stream", "partial_images")
            else f"{spec.name} does not take {name}"
        )
        if found.should_fix(f"{reason}; leave {name} out.", name):
            found.fixed(f"{reason}, so {name} was left out.")
            dropped[name] = None
    return request.with_changes(**dropped) if dropped else request


def _check_values(request: EditRequest, spec: ModelSpec, found: _Findings) -> None:
    for name, value in request.set_fields().items():
        allowed = spec.allowed_values(name)
        if spec.accepts(name) and allowed is not None and value not in allowed:
            found.problem(f"{spec.name} takes {name} {one_of(allowed)}, not {value!r}.", name)
    if request.n is not None and not 1 <= request.n <= spec.n_max:
        found.problem(f"The number of variants must be 1 to {spec.n_max}, not {request.n}.", "n")
    if request.size is not None and spec.accepts("size"):
        if problem := spec.size_problem(request.size):
            found.problem(problem, "size")
        elif warning := spec.size_warning(request.size):
            found.warnings.append(warning)
    _check_output_options(request, spec, found)


def _check_output_options(request: EditRequest, spec: ModelSpec, found: _Findings) -> None:
    fmt = request.output_format or "png"  # the API's default
    if spec.accepts("background") and request.background == "transparent" and fmt == "jpeg":
        found.problem(
            "A transparent background needs the png or webp output format, not jpeg.",
            "background",
        )
    compression = request.output_compression
    if compression is not None and spec.accepts("output_compression"):
        if not 0 <= compression <= 100:
            found.problem(
                f"Output compression must be 0 to 100, not {compression}.", "output_compression"
            )
        if fmt == "png":
            found.problem(
                "Output compression applies only to jpeg or webp output, not png; "
                "pick one of those or leave compression out.",
                "output_compression",
            )
    partials = request.partial_images
    if partials is not None and spec.accepts("partial_images"):
        if not request.stream:
            found.problem(
                "Partial images only come with streaming; turn streaming on.", "partial_images"
            )
        if not 0 <= partials <= spec.partial_images_max:
            found.problem(
                f"Partial images must be 0 to {spec.partial_images_max}, not {partials}.",
                "partial_images",
            )


def _check_prompt(request: EditRequest, spec: ModelSpec, found: _Findings) -> None:
    length = len(request.prompt)
    if not request.prompt.strip():
        found.problem("The prompt is empty; describe the change you want.", "prompt")
    elif length > spec.prompt_max:
        found.problem(
            f"The prompt is {length:,} characters, {length - spec.prompt_max:,} more than "
            f"the {spec.prompt_max:,} {spec.name} takes; shorten it.",
            "prompt",
        )


def _check_model_status(spec: ModelSpec, found: _Findings) -> None:
    if spec.retired is not None or not spec.known:
        found.warnings.append(spec.note)


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


def _name(index: int, image: ImageFile) -> str:
    return f"Image {index + 1} ({image.filename})"


def _check_images(request: EditRequest, spec: ModelSpec, found: _Findings) -> EditRequest:
    """Count, format, byte limit and shape of every image, then the mask; fixes what it can."""
    if not request.images:
        found.problem("There is no image to edit; add one.", "image")
        return request
    if len(request.images) > spec.max_images:
        found.problem(
            f"{spec.name} takes at most {spec.max_images} image(s), "
            f"but {len(request.images)} were given; remove some.",
            "image",
        )
    first = _facts(request.images[0].data)
    mask = request.mask
    mask_fits = mask is not None and _check_mask(mask, first, found)
    images = list(request.images)
    for index, image in enumerate(request.images):
        carried = mask if index == 0 and mask_fits else None
        images[index], scaled_mask = _fix_image(
            index, image, spec, found, carried, mask is not None
        )
        if scaled_mask is not None:
            mask = scaled_mask
    if mask is not None and len(mask.data) >= spec.mask_max_bytes:
        found.problem(
            f"The mask is {_mb(len(mask.data))}; it must be under {spec.mask_max_bytes // MB} MB.",
            "mask",
        )
    return request.with_changes(images=tuple(images), mask=mask)


def _check_mask(mask: ImageFile, first: _Facts | None, found: _Findings) -> bool:
    """Problems with the mask itself; True when it matches the first image's size."""
    facts = _facts(mask.data)
    alpha = _has_alpha(mask.data) if facts is not None and facts.format == "png" else False
    if facts is None or alpha is None:
        found.problem(f"The mask ({mask.filename}) is not an image maskpaint can read.", "mask")
        return False
    if facts.format != "png":
        found.problem(f"The mask must be a PNG, but it is {facts.format.upper()}.", "mask")
    elif not alpha:
        found.problem(
            "The mask has no alpha channel; the API edits where alpha is 0, "
            "so save it as a PNG with transparency.",
            "mask",
        )
    if first is not None and (facts.width, facts.height) != (first.width, first.height):
        found.problem(
            f"The mask is {facts.width}x{facts.height} but the first image is "
            f"{first.width}x{first.height}; they must be the same size.",
            "mask",
        )
        return False
    return True


def _has_alpha(data: bytes) -> bool | None:
    """Whether the image carries transparency of any kind; None when it cannot be decoded."""
    try:
        return imageio.open_image(data).info.has_alpha
    except ImageError:
        return None


def _fix_image(
    index: int,
    image: ImageFile,
    spec: ModelSpec,
    found: _Findings,
    mask_to_scale: ImageFile | None,
    has_mask: bool,
) -> tuple[ImageFile, ImageFile | None]:
    """One image: re-encode to PNG and scale down if needed. Returns it and the scaled mask."""
    facts = _facts(image.data)
    if facts is None:
        found.problem(f"{_name(index, image)} is not an image maskpaint can read.", "image")
        return image, None
    try:
        return _fix_readable_image(index, image, facts, spec, found, mask_to_scale, has_mask)
    except ImageError as error:  # the header was fine, the pixels are not
        found.problem(error.user_message, "image")
        return image, None


def _fix_readable_image(
    index: int,
    image: ImageFile,
    facts: _Facts,
    spec: ModelSpec,
    found: _Findings,
    mask_to_scale: ImageFile | None,
    has_mask: bool,
) -> tuple[ImageFile, ImageFile | None]:
    reason = _png_reason(index, facts, spec, has_mask)
    if reason is not None:
        name, fmt = _name(index, image), facts.format.upper()
        if found.should_fix(f"{name} is {fmt} but {reason}; convert it to PNG.", "image"):
            image = _as_png(image, _open(index, image).image)
            found.fixed(f"{name} was {fmt}; it was re-encoded as PNG because {reason}.")
    scaled_mask = None
    if len(image.data) >= spec.image_max_bytes:
        image, scaled_mask = _shrink(index, image, spec, found, mask_to_scale)
    if spec.square_png_only and facts.width != facts.height:
        found.problem(
            f"{spec.name} needs a square image, but {_name(index, image).lower()} is "
            f"{facts.width}x{facts.height}; crop it square or pick another model.",
            "image",
        )
    return image, scaled_mask


def _png_reason(index: int, facts: _Facts, spec: ModelSpec, has_mask: bool) -> str | None:
    """Why this image must become a PNG, or None when it can go as it is."""
    if facts.format not in spec.image_formats:
        return f"{spec.name} takes {one_of(spec.image_formats)} images"
    if facts.rotated:
        return "it is stored sideways with a camera rotation tag, and is sent upright as shown"
    if index == 0 and has_mask and facts.format != "png":
        return "the image a mask applies to should be a PNG like the mask"
    return None


def _shrink(
    index: int, image: ImageFile, spec: ModelSpec, found: _Findings, mask: ImageFile | None
) -> tuple[ImageFile, ImageFile | None]:
    """Scale an over-limit image down until it fits; the mask follows pixel for pixel."""
    limit = spec.image_max_bytes
    before = (
        f"{_name(index, image)} is {_mb(len(image.data))}, "
        f"over the {limit // MB} MB {spec.name} takes"
    )
    if not found.should_fix(f"{before}; make it smaller.", "image"):
        return image, None
    loaded = _open(index, image)
    pixels = loaded.info.width * loaded.info.height
    small, smaller, factor = image, loaded.image, 1.0
    while len(small.data) >= limit:
        factor *= math.sqrt(limit / len(small.data)) * 0.9
        smaller = imageio.downscale_to_fit(loaded.image, max_pixels=int(pixels * factor**2))
        small = _as_png(image, smaller)
    new_size = smaller.size
    scaled_mask = None if mask is None else _as_png(mask, _scaled_mask(mask, new_size))
    as_png = " as a PNG" if loaded.info.format != "PNG" else ""
    with_mask = " (and the mask with it)" if scaled_mask is not None else ""
    found.fixed(
        f"{before}; it was scaled down from {loaded.info.width}x{loaded.info.height} to "
        f"{new_size[0]}x{new_size[1]}{as_png}{with_mask}."
    )
    return small, scaled_mask


def _scaled_mask(mask: ImageFile, size: tuple[int, int]) -> Image.Image:
    """Nearest neighbour, so the mask's alpha stays exactly 0 or 255 where it was."""
    return imageio.open_image(mask.data, name="The mask").image.resize(
        size, Image.Resampling.NEAREST
    )


def _open(index: int, image: ImageFile) -> imageio.LoadedImage:
    """Decoded for re-encoding: any format preflight converts, named as the report names it."""
    return imageio.open_image(
        image.data, formats=imageio.CONVERTIBLE_FORMATS, name=_name(index, image)
    )


def _as_png(image: ImageFile, pixels: Image.Image) -> ImageFile:
    """`pixels` as the PNG file part that replaces `image`."""
    filename = str(PurePath(image.filename).with_suffix(".png"))
    return ImageFile(imageio.encode(pixels, "PNG"), filename, imageio.mime_for("PNG"))
