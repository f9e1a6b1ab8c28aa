"""The prompt panel's state as a plain value, and the one place it becomes an EditRequest.

Kept free of Qt so the controller, history restore and tests use it without widgets.
`PanelOptions` holds what the user chose, even for fields the current model does not
take (switching back to a model that takes them brings the choice back);
`build_request` decides what is actually sent, from the model table.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from maskpaint.core.compose import FEATHER_PX
from maskpaint.core.compose_run import DEFAULT_PADDING, ComposeSettings
from maskpaint.core.errors import ImageError
from maskpaint.core.imageio import mime_for, sniff_format
from maskpaint.core.models import get_model
from maskpaint.core.request import DEFAULT_MODEL, EditRequest, ImageFile

log = logging.getLogger(__name__)

_CHOICES = ("size", "quality", "background", "output_format", "input_fidelity")
#: Output formats that take `output_compression`.
COMPRESSIBLE_FORMATS = ("jpeg", "webp")


@dataclass(frozen=True)
class PanelOptions:
    """Everything the side panel sets. `None` for moderation means "not sent"."""

    prompt: str = ""
    model: str = DEFAULT_MODEL
    n: int = 1
    size: str = "auto"  # a listed size, "auto", or a custom "WxH"
    quality: str = "auto"
    background: str = "auto"
    output_format: str = "png"
    output_compression: int = 100
    input_fidelity: str = "low"  # the API default
    moderation: str | None = None
    stream: bool = False
    partial_images: int = 0
    reference_paths: tuple[str, ...] = ()
    composite: bool | None = None  # None: the model's default (see composite_default)
    feather_px: float = FEATHER_PX
    crop_to_mask: bool = False
    crop_padding: int = DEFAULT_PADDING


def composite_default(model: str) -> bool:
    """GPT image models redraw the whole picture, so compositing is on for them; others
    (DALL·E 2, gateways' models) keep the photo outside the mask themselves."""
    return get_model(model).family == "GPT Image"


def compose_settings(options: PanelOptions) -> ComposeSettings:
    """What the options ask of a run's answers: composite, feather, crop."""
    composite = options.composite
    return ComposeSettings(
        composite=composite_default(options.model) if composite is None else composite,
        feather_px=options.feather_px,
        crop_to_mask=options.crop_to_mask,
        padding=options.crop_padding,
    )


def build_request(
    options: PanelOptions,
    image: ImageFile,
    mask: ImageFile | None,
    references: Sequence[ImageFile] = (),
) -> EditRequest:
    """The request for these options; every field the model does not accept stays None."""
    model = options.model.strip() or DEFAULT_MODEL
    spec = get_model(model)

    def accepted(name: str, value: Any) -> Any:
        return value if spec.accepts(name) else None

    stream = options.stream and spec.streaming and spec.accepts("stream")
    compress = options.output_format in COMPRESSIBLE_FORMATS
    return EditRequest(
        images=(image, *references),
        prompt=options.prompt,
        mask=mask,
        model=model,
        n=accepted("n", options.n),
        size=accepted("size", options.size),
        quality=accepted("quality", options.quality),
        background=accepted("background", options.background),
        output_format=accepted("output_format", options.output_format),
        output_compression=accepted("output_compression", options.output_compression)
        if compress
        else None,
        input_fidelity=accepted("input_fidelity", options.input_fidelity),
        moderation=accepted("moderation", options.moderation),
        stream=True if stream else None,
        partial_images=accepted("partial_images", options.partial_images)
        if stream and options.partial_images > 0
        else None,
    )


def options_from_request(
    request: EditRequest, reference_paths: Sequence[str] = (), base: PanelOptions | None = None
) -> PanelOptions:
    """The options that would build `request` again (history restore). Fields the request
    left out keep `base`'s values, so restoring never invents a choice."""
    base = base or PanelOptions()
    sent = request.set_fields()
    return replace(
        base,
        prompt=request.prompt,
        model=request.model,
        stream=bool(request.stream),
        partial_images=request.partial_images or 0,
        reference_paths=tuple(reference_paths),
        **{name: sent[name] for name in (*_CHOICES, "n", "output_compression") if name in sent},
        moderation=request.moderation,
    )


def options_to_json(options: PanelOptions) -> str:
    return json.dumps(asdict(options))


def options_from_json(text: str) -> PanelOptions:
    """Options saved by `options_to_json`; unknown keys and values of the wrong type are
    dropped one by one, so a hand-edited or older file still restores what it can."""
    try:
        data = json.loads(text)
    except ValueError:
        log.warning("saved panel options are not JSON: using defaults")
        return PanelOptions()
    return options_from_dict(data) if isinstance(data, dict) else PanelOptions()


_DEFAULTS = PanelOptions()


def options_from_dict(data: Mapping[str, Any]) -> PanelOptions:
    chosen: dict[str, Any] = {}
    for spec in fields(PanelOptions):
        if spec.name not in data:
            continue
        value = data[spec.name]
        default = getattr(_DEFAULTS, spec.name)
        if spec.name == "reference_paths":
            if isinstance(value, list | tuple) and all(isinstance(p, str) for p in value):
                chosen[spec.name] = tuple(value)
        elif spec.name == "moderation":
            if value is None or isinstance(value, str):
                chosen[spec.name] = value
        elif spec.name == "composite":
            if value is None or isinstance(value, bool):
                chosen[spec.name] = value
        elif spec.name == "feather_px":
            if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
                chosen[spec.name] = float(value)
        elif type(value) is type(default):  # bool is not an int here
            chosen[spec.name] = value
    return PanelOptions(**chosen)


def load_reference(path: str | Path) -> ImageFile:
    """A reference image as a file part, sent as it is on disk (preflight converts what
    the model cannot take and says so)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImageError(
            f"The reference image {path.name} could not be read "
            f"({error.strerror or error}); check that it still exists.",
            detail=repr(error),
        ) from error
    fmt = sniff_format(data)
    try:
        mime = mime_for(fmt or "")
    except ValueError:
        raise ImageError(
            f"The reference image {path.name} is not an image maskpaint can read; "
            "use a PNG, JPEG or WebP file.",
        ) from None
    return ImageFile(data, path.name, mime)
