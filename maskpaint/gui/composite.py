"""Full-resolution results in the app: each arriving variant composited into the photo.

`Compositor` follows the controller: a run that asked for it (`RunOpened.composition`)
gets every variant, once saved raw, composited into the photo with the mask AS SENT,
on the CPU pool; the PNG is saved as composite-N.png in the run folder, then offered to
the variants view. `CropPreview` works out the panel's crop line off the GUI thread.
The decisions themselves are core/compose_run.py's, the same as `maskpaint edit`'s.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, QTimer, Signal

from maskpaint.core.compose_run import (
    ComposeSettings,
    Composition,
    composite_name,
    crop_line,
    cropped_request,
    plan_for,
    upload_bytes,
)
from maskpaint.core.errors import MaskpaintError
from maskpaint.core.history import Run, RunRecord
from maskpaint.core.imageio import encode
from maskpaint.core.mask import Mask
from maskpaint.core.request import EditRequest
from maskpaint.gui.document import Document
from maskpaint.gui.generation import GenerationController
from maskpaint.gui.generation_job import GenerationOutcome, RunOpened, VariantSaved
from maskpaint.gui.worker import Job, JobContext, run_in_background

log = logging.getLogger(__name__)
#: The variants view's name for a variant's full-resolution composite.
COMPOSITE = "composite"
_SAVED = re.compile(r"composite-(\d+)\.png")
#: Wait this long after the last mask or option change before working out the crop line.
PREVIEW_DEBOUNCE_MS = 250


class Compositor(QObject):
    """Composites the variants of runs that ask for it; see the module docstring."""

    #: A composite is saved: (run_id, variant index, its PNG bytes).
    composited = Signal(str, int, bytes)
    #: A composite could not be made; the raw variant stands: (run_id, message).
    failed = Signal(str, str)

    def __init__(self, controller: GenerationController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runs: dict[str, tuple[Composition, Run]] = {}
        self._jobs: set[Job[Any]] = set()
        controller.run_started.connect(self._run_started)
        controller.variant_arrived.connect(self._variant_arrived)
        controller.run_finished.connect(self._run_ended)
        controller.run_failed.connect(self._run_ended)

    def busy(self) -> bool:
        """True while a composite is being made (tests wait on it)."""
        return bool(self._jobs)

    def shutdown(self) -> None:
        """The window closes: composites still being made finish on disk, unannounced."""
        self._runs.clear()
        for job in self._jobs:
            job.detach()
        self._jobs.clear()

    def _run_started(self, run_id: str, opened: RunOpened) -> None:
        composition, run = opened.composition, opened.run
        if composition is None or run is None:
            return
        self._runs[run_id] = (composition, run)
        if composition.plan is not None:  # the full photo, for Regenerate: while it sends

            def keep_sources(context: JobContext) -> None:
                for name, data in composition.sources():
                    run.save_file(name, data)

            self._start(keep_sources, "keep crop sources", lambda _: None, run_id, None)

    def _run_ended(self, run_id: str, _outcome: GenerationOutcome | str) -> None:
        # Every variant's signal came before this one; jobs already started keep theirs.
        self._runs.pop(run_id, None)

    def _variant_arrived(self, run_id: str, saved: VariantSaved) -> None:
        entry = self._runs.get(run_id)
        if entry is None:
            return
        composition, run = entry
        index, data = saved.variant.index, saved.variant.data

        def work(context: JobContext) -> bytes:
            png = encode(composition.result(data), "PNG")
            run.save_file(composite_name(index), png)  # on disk before it is shown
            return png

        self._start(
            work,
            f"composite {index + 1}",
            lambda png: self.composited.emit(run_id, index, png),
            run_id,
            index,
        )

    def _start(
        self,
        work: Callable[[JobContext], Any],
        name: str,
        done: Callable[[Any], None],
        run_id: str,
        index: int | None,
    ) -> None:
        holder: list[Job[Any]] = []  # finished may come before run_in_background returns
        job = run_in_background(
            work,
            name=name,
            on_success=done,
            on_failure=lambda error: self._failed(run_id, index, error),
            on_finished=lambda: self._jobs.difference_update(holder),
        )
        holder.append(job)
        if not job.done:
            self._jobs.add(job)

    def _failed(self, run_id: str, index: int | None, error: BaseException) -> None:
        if isinstance(error, MaskpaintError):
            reason = error.user_message.rstrip(".")
        else:
            log.error("compositing failed (variant %s)", index, exc_info=error)
            reason = f"an unexpected {type(error).__name__}; the log has the details"
        if index is None:
            text = f"The full photo could not be kept for Regenerate ({reason})."
        else:
            text = (
                f"Variant {index + 1} could not be composited into the photo ({reason}); "
                "the raw variant is shown and kept in the history."
            )
        self.failed.emit(run_id, text)


def saved_composites(record: RunRecord) -> Iterator[tuple[int, Path]]:
    """(variant index, file) of each composite a history run holds."""
    for path in record.attachments:
        if match := _SAVED.fullmatch(path.name):
            yield int(match.group(1)), path


class CropPreview(QObject):
    """The crop line of the panel: what crop-to-mask would send now, and what it buys."""

    #: The line to show ("" = nothing to say).
    line_ready = Signal(str)

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._settings = ComposeSettings()
        self._template: EditRequest | None = None
        self._seq = 0
        self._whole: tuple[Image.Image, int] | None = None  # the photo and its PNG's size
        self._key: tuple[object, ...] = ()
        # While a window closes its panel may still report changes after the document
        # (and its undo stack) is gone: from then on there is nothing to preview.
        self._document_alive = True
        document.destroyed.connect(self._document_gone)
        self._debounce = QTimer(self, singleShot=True, interval=PREVIEW_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._work_out)

    def update(self, settings: ComposeSettings, template: EditRequest) -> None:
        """The panel's choices changed, or the mask did: work the line out again soon."""
        document = self.document
        if not self._document_alive:
            return
        # Typing a prompt changes the options too; only what moves the crop counts.
        key = (settings, template.model, id(document.image), document.undo_stack.index())
        if key == self._key:
            return
        self._key = key
        self._settings, self._template = settings, template
        self._seq += 1  # an answer under way is stale now
        if not settings.crop_to_mask:
            self._debounce.stop()
            self.line_ready.emit("")
            return
        self._debounce.start()

    def _document_gone(self) -> None:
        self._document_alive = False
        self._debounce.stop()

    def _work_out(self) -> None:
        document, settings, template = self.document, self._settings, self._template
        if template is None:
            return
        image = document.image
        coverage = document.mask.coverage.copy()  # painting may go on meanwhile
        known = self._whole if self._whole is not None and self._whole[0] is image else None
        seq = self._seq

        def work(context: JobContext) -> tuple[int, str, tuple[Image.Image, int]]:
            line, whole = _line(settings, template, image, coverage, known)
            return seq, line, whole

        run_in_background(work, name="crop preview", on_success=self._done, on_failure=self._failed)

    def _done(self, answer: tuple[int, str, tuple[Image.Image, int]]) -> None:
        seq, line, whole = answer
        self._whole = whole
        if seq == self._seq:
            self.line_ready.emit(line)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, MaskpaintError):
            self.line_ready.emit(error.user_message)
        else:
            log.error("crop preview failed", exc_info=error)
            self.line_ready.emit("")


def _line(
    settings: ComposeSettings,
    template: EditRequest,
    image: Image.Image,
    coverage: np.ndarray,
    whole: tuple[Image.Image, int] | None,
) -> tuple[str, tuple[Image.Image, int]]:
    """The crop line and the photo's PNG size (kept: encoding a 24 MP photo takes a second)."""
    if whole is None:
        whole = (image, len(encode(image, "PNG")))
    height, width = coverage.shape
    mask = Mask(width, height, coverage)
    if mask.bbox() is None:
        return "Paint the area to edit to see what cropping to it sends.", whole
    plan = plan_for(settings, template, image.size, mask)
    assert plan is not None  # settings.crop_to_mask is set
    crop_bytes = upload_bytes(cropped_request(template, image, mask, plan, "photo"))
    return crop_line(plan, crop_bytes, whole[1] + len(mask.to_api_png())), whole
