"""Selection and reshape jobs: computed off the GUI thread, applied as one undo step each.

A job works on its own copy of the mask (taken in the worker), so the GUI thread only
writes the changed patch when the result arrives. Painting goes on meanwhile; if the
mask changed while the job ran, the job runs again on the mask as it is now (a selection
is computed once and only merged again), so no stroke is ever overwritten.
Jobs run one at a time, in the order they were asked for.
"""

from __future__ import annotations

import functools
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from maskpaint.core.errors import MaskpaintError
from maskpaint.core.mask import Box, Mask, MaskEdit
from maskpaint.core.select import SelectMode, apply_selection, magic_wand, subject_in_rect
from maskpaint.gui.document import Document
from maskpaint.gui.worker import Job, JobContext, run_in_background

#: Grow, shrink and feather run in the background above this many pixels (a 4 MP mask
#: reshapes in well under 0.1 s; an 8K one takes up to a second).
INLINE_MAX_PIXELS = 4_000_000

log = logging.getLogger("maskpaint.selector")

Operation = Callable[[Mask], MaskEdit | None]


@dataclass(frozen=True)
class Task:
    """One mask edit to compute: `operation` runs on a scratch copy of the mask."""

    label: str  # the undo step's name
    busy_text: str  # what the status bar says while it runs
    operation: Operation


class Selector(QObject):
    """Runs selection tasks in the background, one at a time, and applies their edits."""

    #: Text for the status bar while a task runs; "" when idle.
    busy_changed = Signal(str)
    #: A one-sentence message for the designer when a task could not be done.
    failed = Signal(str)
    #: A task ended (applied, unchanged, failed or cancelled): tests and views wait on it.
    settled = Signal()

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._queue: deque[Task] = deque()
        self._job: Job[MaskEdit | None] | None = None
        self._revision = 0
        document.mask_changed.connect(self._bump)
        document.image_changed.connect(self._on_image_changed)

    @property
    def busy(self) -> bool:
        return self._job is not None

    def magic_wand(
        self, point: tuple[float, float], tolerance: int, contiguous: bool, mode: SelectMode
    ) -> None:
        """Select by colour from the pixel under `point` (image coordinates)."""
        pixels = self._document.pixels
        width, height = pixels.size
        if not (0 <= point[0] < width and 0 <= point[1] < height):
            return  # a click beside the photo selects nothing

        def select() -> np.ndarray:
            return magic_wand(pixels.rgb(), point[0], point[1], tolerance, contiguous)

        self.submit(_selection_task("Magic wand", "Selecting by colour…", select, mode))

    def select_subject(self, box: Box, mode: SelectMode) -> None:
        """Find the subject inside `box` with GrabCut."""
        pixels = self._document.pixels

        def select() -> np.ndarray:
            return subject_in_rect(pixels.rgb(), box)

        busy = "Selecting the subject… (Esc cancels)"
        self.submit(_selection_task("Select subject", busy, select, mode))

    def reshape(self, label: str, operation: Operation) -> None:
        """Grow, shrink or feather: inline on small photos, in the background on big ones."""
        document = self._document
        if document.width * document.height <= INLINE_MAX_PIXELS and not self.busy:
            document.apply(operation, label)
            self.settled.emit()
        else:
            self.submit(Task(label, f"{label}…", operation))

    def submit(self, task: Task) -> None:
        self._queue.append(task)
        if self._job is None:
            self._start_next()

    def cancel(self) -> None:
        """Drop the running task's result and every queued task."""
        self._queue.clear()
        if self._job is not None:
            self._job.cancel()
            self._job = None
            self.busy_changed.emit("")
            self.settled.emit()

    def _start_next(self) -> None:
        if not self._queue:
            self.busy_changed.emit("")
            return
        task = self._queue.popleft()
        mask, revision = self._document.mask, self._revision

        def run(context: JobContext) -> MaskEdit | None:
            # The copy is taken here, off the GUI thread; if painting tore it, the
            # revision moved on and the result is thrown away below.
            return task.operation(Mask(mask.width, mask.height, mask.coverage))

        job: Job[MaskEdit | None] = run_in_background(
            run,
            name=task.label,
            on_success=lambda edit: self._finish(job, task, mask, revision, edit),
            on_failure=lambda error: self._fail(job, error),
        )
        self._job = job
        self.busy_changed.emit(task.busy_text)

    def _finish(
        self, job: Job[MaskEdit | None], task: Task, mask: Mask, revision: int, edit: object
    ) -> None:
        if job is not self._job:
            return  # cancelled, or the photo changed
        self._job = None
        document = self._document
        if document.mask is not mask:
            self._start_next()
            return
        if revision != self._revision:
            self._queue.appendleft(task)  # painted meanwhile: redo it on the new mask
            self._start_next()
            return
        if isinstance(edit, MaskEdit):
            document.notify_mask_changed(edit.redo(document.mask))
            document.push_edit(edit, task.label)
        self.settled.emit()
        self._start_next()

    def _fail(self, job: Job[MaskEdit | None], error: object) -> None:
        if job is not self._job:
            return
        self._job = None
        if isinstance(error, MaskpaintError):
            self.failed.emit(error.user_message)
        else:
            log.error("%s failed: %r", job.name, error)
            self.failed.emit("The selection could not be made: try again or pick another area.")
        self.settled.emit()
        self._start_next()

    def _bump(self, _box: object = None) -> None:
        self._revision += 1

    def _on_image_changed(self) -> None:
        self._bump()
        self.cancel()


def _selection_task(
    label: str, busy_text: str, select: Callable[[], np.ndarray], mode: SelectMode
) -> Task:
    """A task that computes `select()` once, however often it is merged into the mask."""
    once = functools.cache(select)

    def operation(mask: Mask) -> MaskEdit | None:
        return apply_selection(mask, once(), mode, label)

    return Task(label, busy_text, operation)
