"""POST /v1/images/edits: authenticate, record, apply a pending fault, validate, answer.

CPU work (decoding, inpainting, encoding) runs in Starlette's thread pool so the loop
keeps serving other requests, cancels and fault controls meanwhile.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from maskpaint.server import codec, faults, results
from maskpaint.server.faults import Fault
from maskpaint.server.inpaint import Variant, variant_plan
from maskpaint.server.results import EventFamily, Rendered
from maskpaint.server.state import ServerState
from maskpaint.server.validation import ApiProblem, EditParams, Inputs, load_inputs, parse_form

MAX_FILES = 64  # 16 images and a mask, with room for the API's own "too many" error


def unauthorized() -> JSONResponse:
    """401 like OpenAI's, without echoing any part of the key that was offered."""
    return ApiProblem(
        "Incorrect API key provided. Send it as 'Authorization: Bearer <key>' "
        "(or as an 'api-key' header for Azure-style clients).",
        param=None,
        code="invalid_api_key",
        status=401,
    ).response()


def _summarize(form: FormData) -> tuple[dict[str, str], dict[str, tuple[str, str, int]]]:
    """Text fields, and file parts as (filename, type, size); `image[]` parts numbered #0.."""
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, str, int]] = {}
    seen: Counter[str] = Counter()
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            index = seen[name]
            seen[name] += 1
            key = f"{name}#{index}" if name.endswith("[]") or index else name
            files[key] = (value.filename or "", value.content_type or "", value.size or 0)
        else:
            fields[name] = value
    return fields, files


async def _read_form(request: Request) -> FormData:
    if request.headers.get("content-type", "").startswith("application/json"):
        raise ApiProblem(
            "maskpaint's local server takes edits as multipart/form-data only.",
            param=None,
            code="unsupported_content_type",
        )
    try:
        return await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
    except HTTPException as error:
        raise ApiProblem(
            f"Could not parse the multipart form: {error.detail}", param=None, code=None
        ) from None


async def edit_endpoint(request: Request) -> Response:
    state: ServerState = request.app.state.maskpaint
    arrival = state.arrived(request.url.path, request.method, request.headers.items())
    if not state.authorized(request.headers):
        return unauthorized()
    try:
        form = await _read_form(request)
    except ApiProblem as problem:
        return problem.response()
    try:
        state.parsed(arrival, *_summarize(form))
        return await _answer_with_fault(request, state, form, state.next_fault())
    finally:
        await form.close()


_PLAIN_FAULTS = {
    "status": faults.status_response,
    "html": faults.html_response,
    "garbage": lambda fault: faults.garbage_response(),
    "empty": lambda fault: faults.empty_response(),
    "drop": lambda fault: faults.DroppedResponse(),
}


async def _answer_with_fault(
    request: Request, state: ServerState, form: FormData, fault: Fault | None
) -> Response:
    kind = fault.kind if fault is not None else None
    if fault is not None and fault.kind in _PLAIN_FAULTS:
        return _PLAIN_FAULTS[fault.kind](fault)
    if fault is not None and fault.kind == "delay":
        await asyncio.sleep(fault.seconds)
    try:
        params = await parse_form(form, model_override=request.path_params.get("deployment"))
        inputs = await run_in_threadpool(load_inputs, params)
    except ApiProblem as problem:
        return _deliver(problem.response(), fault)
    if fault is not None and fault.kind == "stream_error" and not params.stream:
        return faults.status_response(fault)
    if params.stream and kind != "chat_completion":  # a chat-style gateway ignores stream
        return await _stream_answer(state, params, inputs, fault)
    rendered = await _render_all(state, params, inputs)
    if fault is not None and fault.kind == "chat_completion":
        body = _chat_completion(request, state, params, rendered, fault)
    else:
        items = [_image_item(request, state, params, r) for r in rendered]
        body = results.images_response(params, inputs, items)
    if kind == "expire_urls":
        state.files.expire_all()
    return _deliver(JSONResponse(body), fault)


async def _stream_answer(
    state: ServerState, params: EditParams, inputs: Inputs, fault: Fault | None
) -> Response:
    kind = fault.kind if fault is not None else None
    family: EventFamily = "image_generation" if kind == "generation_events" else "image_edit"
    events = _events(state, params, inputs, family, broken=kind == "stream_error")
    if kind not in ("truncate", "slow"):
        return StreamingResponse(events, media_type="text/event-stream")
    # Byte-level faults need the whole body first, to cut or dribble it.
    body = b"".join([chunk async for chunk in events])
    return _deliver(Response(body, media_type="text/event-stream"), fault)


def _deliver(response: Response, fault: Fault | None) -> Response:
    """The answer as is, or cut short / dribbled when the fault asks for it."""
    if fault is not None and fault.kind == "truncate":
        return faults.TruncatedResponse(response, fault.after_bytes)
    if fault is not None and fault.kind == "slow":
        return faults.SlowResponse(response, fault.seconds)
    return response


async def _render_all(state: ServerState, params: EditParams, inputs: Inputs) -> list[Rendered]:
    if state.work_delay:
        await asyncio.sleep(state.work_delay)

    def one(variant: Variant) -> Rendered:
        final = results.render_variant(params, inputs, variant)
        return results.encode_final(params, inputs, final, variant)

    # OpenCV and zlib release the GIL: variants render side by side on the pool's threads.
    jobs = (run_in_threadpool(one, variant) for variant in variant_plan(params.n))
    return list(await asyncio.gather(*jobs))


def _file_url(request: Request, state: ServerState, params: EditParams, data: bytes) -> str:
    extension = params.output_format or "png"
    name = state.files.put(data, extension, codec.media_type(extension))
    return f"{str(request.base_url).rstrip('/')}/v1/files/{name}"


def _wants_url(state: ServerState, params: EditParams) -> bool:
    """dall-e-2 asks with response_format; GPT models get URLs only from a serve_urls server."""
    if params.response_format is not None:
        return params.response_format == "url"
    return state.serve_urls


def _image_item(
    request: Request, state: ServerState, params: EditParams, rendered: Rendered
) -> dict[str, Any]:
    note = results.revised_prompt(rendered.variant)
    if _wants_url(state, params):
        return {"url": _file_url(request, state, params, rendered.data), "revised_prompt": note}
    return {"b64_json": results.b64(rendered.data), "revised_prompt": note}


def _chat_completion(
    request: Request,
    state: ServerState,
    params: EditParams,
    rendered: list[Rendered],
    fault: Fault,
) -> dict[str, Any]:
    """A gateway's chat.completion answer: the images as markdown links and/or data URIs."""
    style = fault.body if fault.body in ("url", "data") else "mixed"
    media = codec.media_type(params.output_format or "png")
    lines = [f"Here are your edited images ({results.NOTE})."]
    for index, image in enumerate(rendered):
        as_url = style == "url" or (style == "mixed" and index % 2 == 0)
        if as_url:
            target = _file_url(request, state, params, image.data)
        else:
            target = f"data:{media};base64,{results.b64(image.data)}"
        lines.append(f"![image {index + 1}]({target})")
    prompt_tokens = max(1, len(params.prompt) // 4)
    return {
        "id": f"chatcmpl-{secrets.token_hex(12)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": params.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "\n\n".join(lines)},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": 50 * len(rendered),
            "total_tokens": prompt_tokens + 50 * len(rendered),
        },
    }


async def _events(
    state: ServerState,
    params: EditParams,
    inputs: Inputs,
    family: EventFamily,
    *,
    broken: bool = False,
) -> AsyncIterator[bytes]:
    """partial_images partials then one completed event per image, then [DONE].

    `broken` (the stream_error fault): one partial image, then an in-stream error.
    """
    partials = max(params.partial_images, 1) if broken else params.partial_images
    pause = state.work_delay / (params.n * (partials + 1))
    for variant in variant_plan(params.n):
        final = await run_in_threadpool(results.render_variant, params, inputs, variant)
        stages = await run_in_threadpool(results.encode_partials, params, inputs, final, partials)
        for index, data in enumerate(stages):
            await asyncio.sleep(pause)
            yield results.partial_event(params, inputs, data, index, family)
            if broken:
                yield _stream_error()
                return
        rendered = await run_in_threadpool(results.encode_final, params, inputs, final, variant)
        await asyncio.sleep(pause)
        yield results.completed_event(params, inputs, rendered.data, family)
    yield results.DONE


def _stream_error() -> bytes:
    return results.sse("error", faults.default_error_body(500))
