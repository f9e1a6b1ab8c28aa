"""The answer's content: rendered variants, token usage, the JSON body and SSE events.

Shapes follow ImagesResponse and the image_edit.* stream events of the OpenAPI spec.
"""

from __future__ import annotations

import base64
import json
import math
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from maskpaint.core.models import parse_size
from maskpaint.server import codec, inpaint
from maskpaint.server.inpaint import Variant
from maskpaint.server.validation import EditParams, Inputs, describe

#: Said by a header on every answer and by `revised_prompt` on every image.
NOTE = "classical inpainting; the prompt is ignored"
#: The stream events' type prefix: the edits endpoint's own, or the generation endpoint's
#: that some gateways send for edits too.
EventFamily = Literal["image_edit", "image_generation"]
#: Output tokens per 1024x1024 image by quality (OpenAI's published GPT image figures).
_OUTPUT_TOKENS = {"low": 272, "medium": 1056, "high": 4160, "xhigh": 6240, "max": 8320}


@dataclass(frozen=True)
class Rendered:
    """One finished output image, encoded in the requested format."""

    data: bytes
    variant: Variant


def output_size(params: EditParams, inputs: Inputs) -> tuple[int, int]:
    """The requested WxH (the real API redraws at its size), else the input's size."""
    requested = parse_size(params.size) if params.size else None
    return requested or inputs.sizes[0]


def _encode(params: EditParams, inputs: Inputs, array: np.ndarray) -> bytes:
    resized = inpaint.resize(array, output_size(params, inputs))
    return codec.encode(resized, params.output_format or "png", params.output_compression)


def render_variant(params: EditParams, inputs: Inputs, variant: Variant) -> np.ndarray:
    """The full-resolution result of one variant (CPU work: call it off the event loop)."""
    return inpaint.render(inputs.image, inputs.region, variant)


def encode_final(
    params: EditParams, inputs: Inputs, final: np.ndarray, variant: Variant
) -> Rendered:
    return Rendered(_encode(params, inputs, final), variant)


def encode_partials(
    params: EditParams, inputs: Inputs, final: np.ndarray, count: int
) -> list[bytes]:
    stages = inpaint.partial_renderings(inputs.image, inputs.region, final, count)
    return [_encode(params, inputs, stage) for stage in stages]


def revised_prompt(variant: Variant) -> str:
    return (
        "The prompt was ignored: maskpaint's local server repainted the masked region by "
        f"classical inpainting ({variant.description})."
    )


def _image_tokens(width: int, height: int) -> int:
    """Vision-style tile count: fit in 2048, short side to 768, 170 per 512 tile plus 85."""
    scale = min(1.0, 2048 / max(width, height))
    scale *= min(1.0, 768 / (min(width, height) * scale))
    tiles = math.ceil(width * scale / 512) * math.ceil(height * scale / 512)
    return 85 + 170 * tiles


def usage(params: EditParams, inputs: Inputs, images_out: int) -> dict[str, Any]:
    """Plausible token counts in ImagesUsage's shape."""
    text = max(1, math.ceil(len(params.prompt) / 4))
    image = sum(_image_tokens(w, h) for w, h in inputs.sizes)
    width, height = output_size(params, inputs)
    per_image = (
        _OUTPUT_TOKENS.get(describe(params)["quality"], 1056) * width * height / (1024 * 1024)
    )
    output = images_out * max(1, round(per_image))
    return {
        "input_tokens": text + image,
        "output_tokens": output,
        "total_tokens": text + image + output,
        "input_tokens_details": {"text_tokens": text, "image_tokens": image},
    }


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def images_response(params: EditParams, inputs: Inputs, items: list[dict[str, Any]]) -> dict:
    """ImagesResponse; GPT image models also echo their settings and usage, dall-e-2 does not."""
    body: dict[str, Any] = {"created": int(time.time()), "data": items}
    if params.model != "dall-e-2":
        width, height = output_size(params, inputs)
        body.update(describe(params), size=f"{width}x{height}")
        body["usage"] = usage(params, inputs, len(items))
    return body


def _event_base(params: EditParams, inputs: Inputs, kind: str, data: bytes) -> dict[str, Any]:
    width, height = output_size(params, inputs)
    return {
        "type": kind,
        "b64_json": b64(data),
        "created_at": int(time.time()),
        "size": f"{width}x{height}",
        **describe(params),
    }


def partial_event(
    params: EditParams,
    inputs: Inputs,
    data: bytes,
    index: int,
    family: EventFamily = "image_edit",
) -> bytes:
    payload = _event_base(params, inputs, f"{family}.partial_image", data)
    payload["partial_image_index"] = index
    return sse(payload["type"], payload)


def completed_event(
    params: EditParams, inputs: Inputs, data: bytes, family: EventFamily = "image_edit"
) -> bytes:
    payload = _event_base(params, inputs, f"{family}.completed", data)
    payload["usage"] = usage(params, inputs, 1)
    return sse(payload["type"], payload)


def sse(event: str | None, payload: Any) -> bytes:
    """One server-sent event: `event: <type>` (if any), one `data:` line, a blank line."""
    data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {data}\n\n".encode()


DONE = sse(None, "[DONE]")
