"""The function a Generate click runs on the worker: encode, check, record, send, save.

Pure Python (no Qt), so it can be read and tested apart from the window. It runs
inside `worker.run_in_background`; everything it learns goes to the GUI through
`context.emit` as small frozen values, in this order: `RunOpened` (the run folder
exists), then any of `Progress` / `PartialImage` / `VariantSaved`, then the job's
return value (`GenerationOutcome`) or its exception. A variant is on disk before its
`VariantSaved` is emitted: nothing paid for is shown before it is safe.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from maskpaint.core.api import (
    ApiError,
    Cancelled,
    CancelToken,
    ClientConfig,
    EditResult,
    ImageEditClient,
    PartialImage,
    Progress,
    Variant,
)
from maskpaint.core.compose_run import (
    SETTINGS_KEY,
    ComposeSettings,
    Composition,
    cropped_request,
    plan_for,
    restored_composition,
    settings_record,
    stem_of,
)
from maskpaint.core.errors import MaskpaintError
from maskpaint.core.history import History, Run
from maskpaint.core.imageio import encode
from maskpaint.core.mask import Mask
from maskpaint.core.preflight import Problem, preflight
from maskpaint.core.pricing import CostEstimate, estimate_before, estimate_from_usage
from maskpaint.core.request import EditRequest, ImageFile

log = logging.getLogger("maskpaint.generation")

#: Where a job emits to (`JobContext.emit`), and how it hears about a cancel.
Emit = Callable[[object], None]
OnCancel = Callable[[Callable[[], None]], None]


class PreflightRefused(MaskpaintError):
    """The request has problems the API would reject; nothing was sent or paid for."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        lines = " ".join(problem.message for problem in problems)
        super().__init__(f"Nothing was sent: {lines}", detail="preflight")
        self.problems = tuple(problems)


@dataclass(frozen=True)
class PhotoSnapshot:
    """The canvas at the moment Generate was pressed, for encoding off the GUI thread.

    `image` is the document's photo object (the document replaces it, never paints
    into it); `coverage` is a private copy, so painting can go on meanwhile.
    """

    image: Image.Image
    coverage: np.ndarray = field(repr=False)
    filename: str


@dataclass(frozen=True)
class JobSpec:
    """Everything one generation needs; built on the GUI thread, read on the worker."""

    request: EditRequest | None  # images[0] and the mask are replaced from `photo`
    config: ClientConfig = field(repr=False)
    history: History = field(repr=False)
    photo: PhotoSnapshot | None = None
    restore_run: str | None = None  # Regenerate: send this run's request.json again
    lineage: Mapping[str, Any] = field(default_factory=dict)
    parallel: int = 0  # > 0: n single-image requests, at most this many at once
    priced: bool = True  # False for the local server: it costs nothing
    compose: ComposeSettings | None = None  # composite / crop to mask (core/compose_run.py)


@dataclass(frozen=True)
class RunOpened:
    """The run folder holds the inputs, the mask and request.json; sending starts now."""

    run_id: str
    path: Path
    request: EditRequest
    fixes: tuple[str, ...]
    warnings: tuple[str, ...]
    estimate: CostEstimate | None
    #: How to composite this run's variants into the photo; None = raw variants only.
    composition: Composition | None = field(default=None, repr=False)
    #: The run being written, for files that belong beside its variants (composites).
    run: Run | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class VariantSaved:
    """A returned image, already written to the run folder at `path`."""

    variant: Variant
    path: Path


@dataclass(frozen=True)
class GenerationOutcome:
    """A run that ended with images: the merged result, its cost, and what went wrong."""

    run_id: str
    result: EditResult
    cost: CostEstimate | None
    problems: tuple[str, ...] = ()  # failed single requests of a parallel run


def run_generation(spec: JobSpec, emit: Emit, on_cancel: OnCancel) -> GenerationOutcome:
    """The whole job; raises MaskpaintError subclasses (ApiError, PreflightRefused...)."""
    token = CancelToken()
    on_cancel(token.cancel)
    request, fixes, lineage, composition = _complete_request(spec)
    report = preflight(request)
    if not report.ok:
        raise PreflightRefused([p for p in report.problems if not p.fixable])
    if token.cancelled:  # while encoding: nothing was sent, so no run either
        raise Cancelled("The edit was cancelled before anything was sent.", detail="cancelled")
    request = report.request
    estimate = _estimate(request) if spec.priced else None
    run = spec.history.start_run(request, base_url=spec.config.base_url, settings=lineage)
    emit(
        RunOpened(
            run.run_id,
            run.path,
            request,
            fixes + tuple(f.message for f in report.fixes),
            report.warnings,
            estimate,
            composition,
            run,
        )
    )
    sender = _Sender(spec.config, run, emit, token)
    try:
        if spec.parallel > 0 and (request.n or 1) > 1:
            result, problems = sender.parallel(request, spec.parallel)
        else:
            result, problems = sender.one(request), ()
    except Exception as error:  # the run folder says how it ended, whatever ended it
        _close_failed(run, error)
        raise
    cost = _cost(request, result) if spec.priced else None
    run.finish(
        usage=result.usage,
        revised_prompts=[v.revised_prompt for v in result.variants],
        request_id=result.request_id,
        timings={"elapsed": round(result.elapsed, 3)},
        cost=cost.usd if cost is not None else None,
        notes=result.notes + problems,
    )
    return GenerationOutcome(run.run_id, result, cost, problems)


def _close_failed(run: Run, error: Exception) -> None:
    """error.json for a run that did not finish; a disk that refuses that too is logged."""
    api = error if isinstance(error, ApiError) else None
    message = error.user_message if isinstance(error, MaskpaintError) else "Unexpected error."
    try:
        run.fail(
            user_message=message,
            status=api.status if api else None,
            code=api.code if api else None,
            cancelled=isinstance(error, Cancelled),
        )
    except MaskpaintError:
        log.warning("could not close run %s after %s", run.run_id, type(error).__name__)


# -- building the request ------------------------------------------------------------


def _complete_request(
    spec: JobSpec,
) -> tuple[EditRequest, tuple[str, ...], Mapping[str, Any], Composition | None]:
    """The request with every file as bytes, notes on what was left out, its lineage,
    and how its variants are composited (None: not at all)."""
    if spec.restore_run is not None:
        record = spec.history.get(spec.restore_run)
        lineage = {**record.settings, **spec.lineage, "regenerated_from": spec.restore_run}
        return record.restore_request(), (), lineage, restored_composition(record)
    photo = spec.photo
    if photo is None or spec.request is None:
        raise ValueError("a generation needs a photo and a request, or a run to restore")
    height, width = photo.coverage.shape
    mask = Mask(width, height, photo.coverage)
    if mask.edited_fraction() == 0:
        notes = ("No mask is painted, so no mask was sent: the whole photo may change.",)
        return _whole(spec.request, photo, None), notes, spec.lineage, None
    compose = spec.compose if spec.compose is not None and spec.compose.active else None
    plan = plan_for(compose, spec.request, photo.image.size, mask)
    if plan is not None:  # the whole photo is never encoded: a 24 MP PNG takes seconds
        request = cropped_request(spec.request, photo.image, mask, plan, stem_of(photo.filename))
    else:
        mask_file = ImageFile(mask.to_api_png(), "mask.png", "image/png")
        request = _whole(spec.request, photo, mask_file)
    if compose is None:
        return request, (), spec.lineage, None
    lineage = {**spec.lineage, SETTINGS_KEY: settings_record(compose, plan)}
    return request, (), lineage, Composition(photo.image, mask, plan, compose.feather_px)


def _whole(request: EditRequest, photo: PhotoSnapshot, mask: ImageFile | None) -> EditRequest:
    """`request` sending the whole photo (and `mask`), references after it."""
    image = ImageFile(encode(photo.image, "PNG"), _png_name(photo.filename), "image/png")
    return request.with_changes(images=(image, *request.images[1:]), mask=mask)


def _png_name(filename: str) -> str:
    stem = Path(filename).stem or "image"
    return f"{stem}.png"


# -- sending -------------------------------------------------------------------------


class _Sender:
    """Sends one request, or n single-image ones side by side, into one run."""

    def __init__(self, config: ClientConfig, run: Run, emit: Emit, token: CancelToken) -> None:
        self._config = config
        self._run = run
        self._emit = emit
        self._token = token

    def one(self, request: EditRequest, index: int | None = None) -> EditResult:
        """One POST; `index` renumbers its single image (parallel mode)."""

        def on_variant(variant: Variant) -> None:
            if index is not None:
                variant = dataclasses.replace(variant, index=index)
            path = self._run.add_variant(variant.index, variant.data, variant.format)
            self._emit(VariantSaved(variant, path))  # saved first, shown second

        def on_partial(partial: PartialImage) -> None:
            if index is not None:
                partial = dataclasses.replace(partial, index=index)
            self._emit(partial)

        def on_progress(progress: Progress) -> None:
            self._emit(progress)

        with ImageEditClient(self._config) as client:
            result = client.edit(
                request,
                on_variant=on_variant,
                on_partial=on_partial,
                on_progress=on_progress,
                cancel=self._token,
            )
        if index is None:
            return result
        return dataclasses.replace(
            result, variants=tuple(dataclasses.replace(v, index=index) for v in result.variants)
        )

    def parallel(self, request: EditRequest, workers: int) -> tuple[EditResult, tuple[str, ...]]:
        """n requests with n=1 at once (gateways that return one image whatever n is)."""
        count = request.n or 1
        single = request.with_changes(n=1)
        with ThreadPoolExecutor(max_workers=min(workers, count)) as pool:
            futures = [pool.submit(self.one, single, index) for index in range(count)]
            outcomes = [_outcome(future.result) for future in futures]
        results = [o for o in outcomes if isinstance(o, EditResult)]
        errors = [o for o in outcomes if isinstance(o, ApiError)]
        cancelled = next((e for e in errors if isinstance(e, Cancelled)), None)
        if cancelled is not None or not results:
            error = cancelled or errors[0]
            error.partial_variants = tuple(v for r in results for v in r.variants)
            raise error
        problems = (
            (f"{len(errors)} of the {count} requests failed: {errors[0].user_message}",)
            if errors
            else ()
        )
        return _merge(results), problems


def _outcome(get: Callable[[], EditResult]) -> EditResult | ApiError:
    try:
        return get()
    except ApiError as error:
        return error


def _merge(results: Sequence[EditResult]) -> EditResult:
    """One result from several single-image ones: variants by index, usage summed."""
    first = results[0]
    variants = tuple(sorted((v for r in results for v in r.variants), key=lambda v: v.index))
    return dataclasses.replace(
        first,
        variants=variants,
        usage=_sum_usage([r.usage for r in results]),
        elapsed=max(r.elapsed for r in results),
        retries=sum(r.retries for r in results),
        notes=tuple(note for r in results for note in r.notes),
    )


def _sum_usage(usages: Sequence[Mapping[str, object] | None]) -> Mapping[str, object] | None:
    """Token counts added up, nested details too; None when no answer carried usage."""
    present = [u for u in usages if u is not None]
    if not present:
        return None
    total: dict[str, object] = {}
    for usage in present:
        for key, value in usage.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                previous = total.get(key, 0)
                total[key] = (previous if isinstance(previous, int | float) else 0) + value
            elif isinstance(value, Mapping):
                inner = total.get(key)
                base = [inner] if isinstance(inner, Mapping) else []
                total[key] = _sum_usage([*base, value])
            else:
                total.setdefault(key, value)
    return total


# -- money -----------------------------------------------------------------------------


def _estimate(request: EditRequest) -> CostEstimate:
    return estimate_before(
        request.model, size=request.size, quality=request.quality, n=request.n or 1
    )


def _cost(request: EditRequest, result: EditResult) -> CostEstimate:
    """From the returned usage where the price table knows the tokens, else per image."""
    if result.usage is not None:
        estimate = estimate_from_usage(request.model, result.usage)
        if estimate.usd is not None:
            return estimate
    size = result.size or request.size
    quality = result.quality or request.quality
    return estimate_before(request.model, size=size, quality=quality, n=len(result.variants))
