"""GenerationController: Generate, Cancel, Regenerate and Use as new base, for the window.

It turns the document and a request template (the prompt panel's options) into a job
on the worker (`generation_job.run_generation`), and turns what the job reports into
signals the widgets show: tiles for the variants view, a line for the status bar, a
message for the banner. It holds no widget; the window wires the signals.

Cancel stops the NEWEST running job: firing again after changing the prompt usually
means the earlier run is still wanted, and an accidental click is the one to take
back. Pressing Cancel again stops the next newest, so a few presses stop them all.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from maskpaint.core.api import (
    AuthenticationError,
    Cancelled,
    ConnectionFailed,
    NotFound,
    PartialImage,
    PermissionDenied,
    Progress,
)
from maskpaint.core.compose_run import ComposeSettings, composite_name
from maskpaint.core.errors import MaskpaintError
from maskpaint.core.history import History
from maskpaint.core.imageio import LoadedImage, open_image
from maskpaint.core.request import EditRequest, ImageFile
from maskpaint.gui.backend import Backend
from maskpaint.gui.document import Document
from maskpaint.gui.generation_job import (
    GenerationOutcome,
    JobSpec,
    PhotoSnapshot,
    PreflightRefused,
    RunOpened,
    VariantSaved,
    run_generation,
)
from maskpaint.gui.photo_swap import Lineage
from maskpaint.gui.run_restore import Restore, read_restore
from maskpaint.gui.worker import Job, JobContext, run_in_background

log = logging.getLogger("maskpaint.generation")

#: Stands in for the canvas photo in a request template (see `generate`).
FROM_CANVAS = ImageFile(b"", "canvas.png", "image/png")

#: The banner's action for errors that Settings can fix.
OPEN_SETTINGS = "settings"
_SETTINGS_ERRORS = (AuthenticationError, PermissionDenied, NotFound, ConnectionFailed)


@dataclass
class _Tracked:
    """A running generation as the controller follows it."""

    number: int
    job: Job[GenerationOutcome] | None = None
    started: float = field(default_factory=time.monotonic)
    run_id: str | None = None
    text: str = "preparing the request"
    retrying: bool = False


class GenerationController(QObject):
    """Runs generations in the background and reports them through signals."""

    #: A run folder exists and sending begins: (run_id, RunOpened).
    run_started = Signal(str, object)
    #: A streamed preview of a variant: (run_id, PartialImage).
    partial_arrived = Signal(str, object)
    #: A variant, already on disk: (run_id, VariantSaved).
    variant_arrived = Signal(str, object)
    #: The run ended with images: (run_id, GenerationOutcome).
    run_finished = Signal(str, object)
    #: The run ended without finishing: (run_id, user message). Received variants stay.
    run_failed = Signal(str, str)
    #: Preflight found problems; nothing was sent: (PreflightRefused).
    refused = Signal(object)
    #: One line for the status bar.
    status_changed = Signal(str)
    #: The newest run's upload, 0..1; -1 while waiting or receiving (no fraction known).
    fraction_changed = Signal(float)
    #: A message for the banner: (text, action), action "" or OPEN_SETTINGS.
    message = Signal(str, str)
    #: The server asked to wait (429, 5xx): the client retries by itself. (text)
    retry_pending = Signal(str)
    #: The retry went out; its message no longer applies.
    retry_over = Signal()
    #: The number of running generations changed.
    busy_changed = Signal(int)
    #: A history run was restored to the canvas; the panel takes its prompt and options.
    run_restored = Signal(object)  # Restore

    def __init__(
        self,
        document: Document,
        backend: Backend,
        history: History,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.backend = backend
        self.history = history
        self._jobs: list[_Tracked] = []
        self._count = 0
        self._idle_text = backend.notice
        self._ticker = QTimer(self)
        self._ticker.setInterval(500)  # elapsed seconds move on while the server works
        self._ticker.timeout.connect(self._show_status)

    # ----- commands ------------------------------------------------------------------

    @property
    def running(self) -> int:
        return len(self._jobs)

    @property
    def started(self) -> int:
        """How many generations this controller has started (numbers runs 1, 2, ...)."""
        return self._count

    def set_backend(self, backend: Backend) -> None:
        """New settings: later runs go to `backend`; running ones keep theirs."""
        old, self.backend = self.backend, backend
        if not self._jobs:
            old.close()
        self._idle_text = backend.notice
        self._show_status()

    def generate(
        self, template: EditRequest, compose: ComposeSettings | None = None
    ) -> Job[GenerationOutcome]:
        """Send the canvas photo and mask with `template`'s prompt, options and references.

        `template.images[0]` (e.g. `FROM_CANVAS`) and `template.mask` are stand-ins: the
        job encodes the photo and the mask as they are now, off the GUI thread. `compose`
        asks for full-resolution composites (and a crop to the mask) of the answers.
        """
        document = self.document
        photo = PhotoSnapshot(
            document.image,
            document.mask.coverage.copy(),
            document.path.name if document.path else document.display_name,
        )
        lineage = document.lineage.as_settings() if document.lineage else {}
        return self._start(template, photo=photo, lineage=lineage, compose=compose)

    def regenerate(self, run_id: str) -> Job[GenerationOutcome]:
        """Send a run's request again, exactly as recorded in its folder."""
        return self._start(None, restore_run=run_id)

    def cancel(self) -> bool:
        """Cancel the newest generation not yet cancelled; False if none is running."""
        for tracked in reversed(self._jobs):
            if tracked.job is not None and not tracked.job.cancelled:
                tracked.text = "cancelling"
                tracked.job.cancel()
                self._show_status()
                return True
        return False

    def cancel_all(self) -> None:
        for tracked in self._jobs:
            if tracked.job is not None:
                tracked.job.cancel()

    def shutdown(self) -> None:
        """The window closes: cancel every job and stop listening to them.

        The jobs still end on their own threads (closing their runs as cancelled in
        the history); only their reports to this soon-deleted object are dropped.
        """
        self._ticker.stop()
        for tracked in self._jobs:
            if tracked.job is not None:
                tracked.job.cancel()
                tracked.job.detach()
        self._jobs.clear()

    def use_as_base(self, run_id: str, index: int, composite: bool = False) -> None:
        """Make a variant (its composite, if asked and saved) the canvas photo with an
        empty mask, as one undo step."""
        try:
            record = self.history.get(run_id)
        except MaskpaintError as error:
            self.message.emit(error.user_message, "")
            return
        path = next((p for p in record.variants if p.stem == f"variant-{index}"), None)
        if composite:
            saved = (p for p in record.attachments if p.name == composite_name(index))
            path = next(saved, path)
        if path is None:
            self.message.emit("That variant is no longer in the history folder.", "")
            return
        stem = Path(record.inputs[0].filename).stem if record.inputs else "photo"

        def show(loaded: LoadedImage) -> None:
            name = f"{stem} (variant {index + 1})"
            self.document.replace_photo(loaded, name, Lineage(run_id, index), "Use as new base")

        run_in_background(
            lambda context: open_image(path),
            name="open variant",
            on_success=show,
            on_failure=self._report_plain_failure,
        )

    def restore_run(self, run_id: str) -> None:
        """A history run's photo (if different), mask and options back, as undo steps."""
        current = self.document.image
        run_in_background(
            lambda context: read_restore(self.history, run_id, current),
            name="restore run",
            on_success=self._apply_restore,
            on_failure=self._report_plain_failure,
        )

    def _apply_restore(self, restore: Restore) -> None:
        record = restore.record
        document = self.document
        if restore.photo is not None:
            name = record.inputs[0].filename if record.inputs else record.run_id
            document.replace_photo(restore.photo, name, None, "Restore run photo")
        if restore.coverage is not None:
            coverage = restore.coverage
            document.apply(lambda mask: mask.replace(coverage), "Restore run mask")
        self.run_restored.emit(restore)

    # ----- the jobs ------------------------------------------------------------------

    def _start(
        self,
        template: EditRequest | None,
        *,
        photo: PhotoSnapshot | None = None,
        restore_run: str | None = None,
        lineage: dict[str, object] | None = None,
        compose: ComposeSettings | None = None,
    ) -> Job[GenerationOutcome]:
        backend = self.backend
        settings = backend.settings
        parallel = settings.max_parallel if settings.n_as_parallel_requests else 0
        self._count += 1
        number = self._count

        def work(context: JobContext) -> GenerationOutcome:
            config = backend.client_config()  # may start the local server: not on the GUI
            spec = JobSpec(
                request=template,
                config=config,
                history=self.history,
                photo=photo,
                restore_run=restore_run,
                lineage=lineage or {},
                parallel=parallel,
                priced=not config.uses_local_backend,  # this machine's server costs nothing
                compose=compose,
            )
            return run_generation(spec, context.emit, context.on_cancel)

        tracked = _Tracked(number)
        # The job's signals arrive through this thread's event loop: after this method.
        job = run_in_background(
            work,
            name=f"generation {number}",
            network=True,
            on_progress=lambda value: self._on_progress(tracked, value),
            on_success=lambda outcome: self._on_success(tracked, outcome),
            on_failure=lambda error: self._on_failure(tracked, error),
            on_finished=lambda: self._on_finished(tracked),
        )
        tracked.job = job
        self._jobs.append(tracked)
        self._ticker.start()
        self.busy_changed.emit(len(self._jobs))
        self._show_status()
        return job

    def _on_progress(self, tracked: _Tracked, value: object) -> None:
        run_id = tracked.run_id or ""
        if isinstance(value, RunOpened):
            tracked.run_id = value.run_id
            self.run_started.emit(value.run_id, value)
        elif isinstance(value, VariantSaved):
            self.variant_arrived.emit(run_id, value)
        elif isinstance(value, PartialImage):
            self.partial_arrived.emit(run_id, value)
        elif isinstance(value, Progress):
            self._on_api_progress(tracked, value)

    def _on_api_progress(self, tracked: _Tracked, progress: Progress) -> None:
        if progress.phase == "retrying":
            tracked.retrying = True
            self.retry_pending.emit(_sentence(progress.message) + "; the edit goes on by itself.")
        elif tracked.retrying:
            tracked.retrying = False
            self.retry_over.emit()
        if tracked.job is not None and not tracked.job.cancelled:
            tracked.text = progress.message
        if tracked is self._jobs[-1]:
            uploading = progress.phase == "uploading" and progress.total_bytes > 0
            self.fraction_changed.emit(
                progress.sent_bytes / progress.total_bytes if uploading else -1.0
            )
        self._show_status()

    def _on_success(self, tracked: _Tracked, outcome: GenerationOutcome) -> None:
        if tracked.retrying:
            self.retry_over.emit()
        self.run_finished.emit(outcome.run_id, outcome)
        for problem in outcome.problems:
            self.message.emit(problem, "")
        count = len(outcome.result.variants)
        cost = f" · {outcome.cost.describe()}" if outcome.cost is not None else ""
        self._idle_text = (
            f"Run {tracked.number} done: {count} image{'s' * (count != 1)} "
            f"in {outcome.result.elapsed:.1f} s{cost}"
        )

    def _on_failure(self, tracked: _Tracked, error: BaseException) -> None:
        if tracked.retrying:
            self.retry_over.emit()
        text = error.user_message if isinstance(error, MaskpaintError) else _bug(error)
        kept = len(getattr(error, "partial_variants", ()) or ())
        if kept:
            text += (
                " The image that arrived is kept in the history."
                if kept == 1
                else f" The {kept} images that arrived are kept in the history."
            )
        if tracked.run_id is not None:
            self.run_failed.emit(tracked.run_id, text)
        if isinstance(error, Cancelled):
            self._idle_text = f"Run {tracked.number} cancelled"
            return
        if isinstance(error, PreflightRefused):
            self.refused.emit(error)
        action = OPEN_SETTINGS if isinstance(error, _SETTINGS_ERRORS) else ""
        self.message.emit(text, action)
        self._idle_text = f"Run {tracked.number} failed"

    def _on_finished(self, tracked: _Tracked) -> None:
        self._jobs.remove(tracked)
        if not self._jobs:
            self._ticker.stop()
        self.busy_changed.emit(len(self._jobs))
        self._show_status()

    def _report_plain_failure(self, error: BaseException) -> None:
        text = error.user_message if isinstance(error, MaskpaintError) else _bug(error)
        self.message.emit(text, "")

    def _show_status(self) -> None:
        if not self._jobs:
            self.status_changed.emit(self._idle_text)
            return
        newest = self._jobs[-1]
        seconds = time.monotonic() - newest.started
        more = len(self._jobs) - 1
        others = f" (+{more} more running)" if more else ""
        self.status_changed.emit(f"Run {newest.number}: {newest.text} · {seconds:.0f} s{others}")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _bug(error: BaseException) -> str:
    """An unexpected failure: one line for the user, the details stay in the log."""
    log.error("generation failed unexpectedly", exc_info=error)
    return f"Something unexpected went wrong ({type(error).__name__}); the log has the details."
