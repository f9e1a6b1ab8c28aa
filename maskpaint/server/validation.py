"""Read an edit request's form the way the real API does, and refuse it the way it does.

Messages, `param` and `code` follow what api.openai.com answers, so a client tested
against this server handles the real errors too. Checks that only need the form run
on the event loop; decoding the images (`load_inputs`) runs in a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from starlette.datastructures import FormData, UploadFile
from starlette.responses import JSONResponse

from maskpaint.core.models import MB, ModelSpec, get_model
from maskpaint.core.request import DEFAULT_MODEL, OPTIONAL_FIELDS, ImageFile
from maskpaint.server import codec
from maskpaint.server.faults import error_body
from maskpaint.server.inpaint import edit_region

TEXT_FIELDS = frozenset(
    {
        "prompt",
        "model",
        "n",
        "size",
        "quality",
        "background",
        "output_format",
        "output_compression",
        "response_format",
        "stream",
        "partial_images",
        "input_fidelity",
        "moderation",
        "user",
    }
)
FILE_FIELDS = frozenset({"image", "image[]", "mask"})
IMAGE_MIMES = ("image/png", "image/jpeg", "image/webp")
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


class ApiProblem(Exception):
    """A request the API refuses: the status and OpenAI's error envelope."""

    def __init__(
        self,
        message: str,
        *,
        param: str | None,
        code: str | None,
        status: int = 400,
        type_: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = error_body(message, type_=type_, param=param, code=code)

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, self.status)


@dataclass(frozen=True)
class EditParams:
    """A validated edit request; None means the field was not sent."""

    model: str
    prompt: str
    images: tuple[ImageFile, ...]
    mask: ImageFile | None
    n: int
    size: str | None
    quality: str | None
    background: str | None
    output_format: str | None
    output_compression: int | None
    response_format: str | None
    stream: bool
    partial_images: int
    user: str | None


@dataclass(frozen=True)
class Inputs:
    """The decoded first image (RGB or RGBA), the region to repaint, every input's size."""

    image: np.ndarray
    region: np.ndarray
    sizes: tuple[tuple[int, int], ...]


def _quote_list(values: Sequence[str]) -> str:
    quoted = [f"'{v}'" for v in values]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])}, and {quoted[-1]}"


def _invalid_value(param: str, value: str, allowed: Sequence[str]) -> ApiProblem:
    return ApiProblem(
        f"Invalid value: '{value}'. Supported values are: {_quote_list(allowed)}.",
        param=param,
        code="invalid_value",
    )


def _integer(fields: dict[str, str], name: str, low: int, high: int) -> int | None:
    text = fields.get(name)
    if text is None:
        return None
    try:
        value = int(text.strip())
    except ValueError:
        raise ApiProblem(
            f"Invalid type for '{name}': expected an integer, but got a string instead.",
            param=name,
            code="invalid_type",
        ) from None
    if value < low:
        raise ApiProblem(
            f"Invalid '{name}': integer below minimum value. "
            f"Expected a value >= {low}, but got {value} instead.",
            param=name,
            code="integer_below_min_value",
        )
    if value > high:
        raise ApiProblem(
            f"Invalid '{name}': integer above maximum value. "
            f"Expected a value <= {high}, but got {value} instead.",
            param=name,
            code="integer_above_max_value",
        )
    return value


def _boolean(fields: dict[str, str], name: str) -> bool:
    text = fields.get(name, "false").strip().lower()
    if text not in _TRUE | _FALSE:
        raise ApiProblem(
            f"Invalid type for '{name}': expected a boolean, but got a string instead.",
            param=name,
            code="invalid_type",
        )
    return text in _TRUE


async def _split_form(form: FormData) -> tuple[dict[str, str], list[tuple[str, ImageFile]]]:
    """Text fields (last one wins) and file parts in order; unknown names are refused."""
    fields: dict[str, str] = {}
    files: list[tuple[str, ImageFile]] = []
    for name, value in form.multi_items():
        if name not in TEXT_FIELDS | FILE_FIELDS:
            raise ApiProblem(f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter")
        if isinstance(value, UploadFile) and name in FILE_FIELDS:
            data = await value.read()
            mime = value.content_type or "application/octet-stream"
            files.append((name, ImageFile(data, value.filename or "", mime)))
        elif isinstance(value, str) and name in TEXT_FIELDS:
            fields[name] = value
        else:
            kind = "a file" if name in FILE_FIELDS else "a string"
            raise ApiProblem(
                f"Invalid type for '{name}': expected {kind}.", param=name, code="invalid_type"
            )
    return fields, files


def _check_mime(name: str, part: ImageFile) -> None:
    if part.mime not in IMAGE_MIMES:
        raise ApiProblem(
            f"Invalid file '{name}': unsupported mimetype ('{part.mime}'). "
            f"Supported file formats are {_quote_list(IMAGE_MIMES)}.",
            param=name,
            code="unsupported_file_mimetype",
        )


def _check_prompt(fields: dict[str, str], spec: ModelSpec) -> str:
    if "prompt" not in fields:
        raise ApiProblem(
            "Missing required parameter: 'prompt'.",
            param="prompt",
            code="missing_required_parameter",
        )
    prompt = fields["prompt"]
    if not prompt:
        raise ApiProblem(
            "Invalid 'prompt': empty string. Expected a string with minimum length 1, "
            "but got an empty string instead.",
            param="prompt",
            code="empty_string",
        )
    if len(prompt) > spec.prompt_max:
        raise ApiProblem(
            f"Invalid 'prompt': string too long. Expected a string with maximum length "
            f"{spec.prompt_max}, but got a string with length {len(prompt)} instead.",
            param="prompt",
            code="string_above_max_length",
        )
    return prompt


def _check_images(files: Iterable[tuple[str, ImageFile]], spec: ModelSpec) -> tuple[ImageFile, ...]:
    images = tuple(part for name, part in files if name in ("image", "image[]"))
    if not images:
        raise ApiProblem(
            "Missing required parameter: 'image'.", param="image", code="missing_required_parameter"
        )
    if len(images) > spec.max_images:
        raise ApiProblem(
            f"Invalid 'image': array too long. Expected an array with maximum length "
            f"{spec.max_images}, but got an array with length {len(images)} instead.",
            param="image",
            code="array_above_max_length",
        )
    for image in images:
        _check_mime("image", image)
        _check_bytes("image", image, spec.image_max_bytes, spec)
    return images


def _check_bytes(name: str, part: ImageFile, limit: int, spec: ModelSpec) -> None:
    if len(part.data) >= limit:
        raise ApiProblem(
            f"Invalid file '{name}': file too large ({len(part.data) / MB:.1f} MB). "
            f"{spec.name} takes files smaller than {limit // MB} MB.",
            param=name,
            code="file_too_large",
        )


def _check_choices(fields: dict[str, str], spec: ModelSpec) -> None:
    # OpenAI refuses what a model does not take (response_format on GPT image models,
    # input_fidelity on gpt-image-2); gateways and unknown models are left lenient.
    strict = spec.known and spec.provider == "OpenAI"
    for name in sorted(OPTIONAL_FIELDS & fields.keys()):
        if not spec.accepts(name) and (strict or name == "response_format"):
            raise ApiProblem(f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter")
    for name in sorted(OPTIONAL_FIELDS & fields.keys()):
        value, allowed = fields[name], spec.allowed_values(name)
        if allowed and value not in allowed:
            raise _invalid_value(name, value, allowed)
    if fields.get("background") == "transparent" and fields.get("output_format") == "jpeg":
        raise ApiProblem(
            "Transparent background is not supported for the 'jpeg' output format; "
            "use 'png' or 'webp'.",
            param="background",
            code="invalid_value",
        )


def _check_size(fields: dict[str, str], spec: ModelSpec) -> str | None:
    size = fields.get("size")
    if size is None or spec.size_problem(size) is None:
        return size
    if spec.size_rule is None:
        raise _invalid_value("size", size, spec.sizes)
    raise ApiProblem(
        f"Invalid value: '{size}'. {spec.size_problem(size)}", param="size", code="invalid_value"
    )


def _check_stream(fields: dict[str, str], spec: ModelSpec) -> tuple[bool, int]:
    stream = _boolean(fields, "stream")
    if stream and spec.known and not spec.streaming:
        raise ApiProblem(
            f"Streaming is not supported for model '{spec.name}'.",
            param="stream",
            code="invalid_value",
        )
    partials = _integer(fields, "partial_images", 0, spec.partial_images_max)
    return stream, partials or 0


async def parse_form(form: FormData, model_override: str | None = None) -> EditParams:
    """The form as `EditParams`, or the ApiProblem the real API would answer."""
    fields, files = await _split_form(form)
    model = model_override or fields.get("model") or DEFAULT_MODEL
    spec = get_model(model)
    prompt = _check_prompt(fields, spec)
    images = _check_images(files, spec)
    masks = [part for name, part in files if name == "mask"]
    for mask in masks:
        _check_mime("mask", mask)
        _check_bytes("mask", mask, spec.mask_max_bytes, spec)
    _check_choices(fields, spec)
    n = _integer(fields, "n", 1, spec.n_max)
    compression = _integer(fields, "output_compression", 0, 100)
    size = _check_size(fields, spec)
    stream, partials = _check_stream(fields, spec)
    # dall-e-2 answers with URLs unless told otherwise; GPT image models never take it.
    default_response = "url" if spec.accepts("response_format") else None
    return EditParams(
        model=spec.name,
        prompt=prompt,
        images=images,
        mask=masks[-1] if masks else None,
        n=n or 1,
        size=size,
        quality=fields.get("quality"),
        background=fields.get("background"),
        output_format=fields.get("output_format"),
        output_compression=compression,
        response_format=fields.get("response_format", default_response),
        stream=stream,
        partial_images=partials,
        user=fields.get("user"),
    )


def _decode_image(part: ImageFile, index: int) -> np.ndarray:
    try:
        return codec.decode(part.data)
    except codec.DecodeError:
        raise ApiProblem(
            f"Invalid image file or mode for image {index}, please check your image file.",
            param="image",
            code="invalid_image_file",
        ) from None


def _mask_problem(detail: str) -> ApiProblem:
    return ApiProblem(
        f"Invalid mask image format - {detail}", param="mask", code="invalid_image_format"
    )


def load_inputs(params: EditParams) -> Inputs:
    """Decode every image and the mask (CPU work: call it off the event loop)."""
    decoded = [_decode_image(part, i) for i, part in enumerate(params.images, start=1)]
    sizes = tuple((array.shape[1], array.shape[0]) for array in decoded)
    first = decoded[0]
    (width, height), part = sizes[0], params.images[0]
    if get_model(params.model).square_png_only and (width != height or part.mime != "image/png"):
        raise ApiProblem(
            f"Invalid image: {params.model} takes one square PNG, not a {width}x{height} "
            f"{part.mime.removeprefix('image/').upper()}.",
            param="image",
            code="invalid_image_format",
        )
    mask: np.ndarray | None = None
    if params.mask is not None:
        try:
            mask = codec.decode(params.mask.data)
        except codec.DecodeError:
            raise _mask_problem("mask could not be read as an image") from None
        if mask.shape[2] != 4:
            raise _mask_problem("mask image missing alpha channel")
        if mask.shape[:2] != first.shape[:2]:
            raise _mask_problem("mask size does not match image size")
    return Inputs(image=first, region=edit_region(mask, first.shape[:2]), sizes=sizes)


def describe(params: EditParams) -> dict[str, Any]:
    """The settings echoed in answers: background and quality as the API resolves `auto`."""
    return {
        "background": "transparent" if params.background == "transparent" else "opaque",
        "output_format": params.output_format or "png",
        "quality": "medium" if params.quality in (None, "auto", "standard") else params.quality,
    }
