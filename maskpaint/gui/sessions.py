"""Sessions in the main window: Save / Open session, autosave, and the restore offer after a crash.

`SessionUi` owns the session file's path, the list of runs the session made, the unseen
runs (gui/unseen.py), the 30 s autosave timer and this window's recovery slot. Saving and
loading run on the worker (gui/worker.py); the GUI thread only copies what it must
(`capture`) and puts a loaded session back on the canvas (`_apply`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QBoxLayout, QFileDialog

from maskpaint.core import paths
from maskpaint.core.errors import MaskpaintError
from maskpaint.core.mask import Mask
from maskpaint.core.recovery import RecoverableSession, Recovery, RecoveryError
from maskpaint.core.session import SUFFIX, SessionState, load_session, save_session
from maskpaint.gui.generation_ui import CANVAS_TAB, VARIANTS_TAB
from maskpaint.gui.panel_options import PanelOptions
from maskpaint.gui.recovery_bar import RecoveryBar
from maskpaint.gui.session_state import LoadedSession, WindowSnapshot, read_session
from maskpaint.gui.unseen import UnseenRuns
from maskpaint.gui.worker import Job, run_in_background

if TYPE_CHECKING:
    from maskpaint.gui.main_window import MainWindow

log = logging.getLogger("maskpaint.sessions")

SESSION_FILTER = f"maskpaint session (*{SUFFIX})"
AUTOSAVE_MS = 30_000


def is_session_file(path: Path) -> bool:
    return path.suffix.lower() == SUFFIX


class SessionUi(QObject):
    """The session side of one main window; see the module docstring."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        generation = window.generation
        self.path: Path | None = None  # the session file Ctrl+S writes to
        self.runs: list[str] = []  # history runs made in (or restored with) this session
        self.unseen = UnseenRuns(generation.tabs, generation.variants, VARIANTS_TAB)
        self._changes = 0  # anything autosave keeps changed
        self._autosaved = 0
        self._saved: tuple[PanelOptions, tuple[str, ...]] | None = None  # as in the file
        self._jobs: set[Job[Any]] = set()  # started, `finished` not yet delivered
        self._autosaving = False
        self._autosave_again = False
        self._autosave_warned = False
        self._closed = False
        self.autosaves = 0  # completed autosaves, for the status and the tests
        self.timer = QTimer(self, interval=AUTOSAVE_MS)
        self.timer.timeout.connect(self.autosave)
        self.bar = RecoveryBar()
        self._offers: list[RecoverableSession] = []
        self._discard_after_autosave: list[RecoverableSession] = []  # restored, not yet safe
        self.recovery = self._start_recovery()
        self._build_actions()
        self._connect()
        self.timer.start()
        app = QApplication.instance()
        if app is not None:  # app.quit() closes no window: the slot must go anyway
            app.aboutToQuit.connect(self.close)
        self._refresh_title()

    # ----- building -------------------------------------------------------------------

    def _start_recovery(self) -> Recovery:
        """Look for crashed sessions first (a live slot is never offered), then claim ours."""
        generation = self.window.generation
        recovery = Recovery(
            paths.recovery_dir(generation.backend.settings.data_folder),
            history_root=generation.history.root,
        )
        self._offers = recovery.pending()
        try:
            recovery.claim()
        except RecoveryError as error:
            self.window.banner.show_message(error.user_message)
        layout = self.window.centralWidget().layout()
        assert isinstance(layout, QBoxLayout), "the window stacks banner and canvas in a box"
        layout.insertWidget(0, self.bar)  # above the banner
        self.bar.restore_requested.connect(self.restore)
        self.bar.discard_requested.connect(self.discard)
        self._offer_next()
        return recovery

    def _build_actions(self) -> None:
        window, commands = self.window, self.window.commands
        self.open_action = self._action("Open &session…", self.open_dialog, "Ctrl+Shift+O")
        self.save_action = self._action("&Save session", self.save, "Ctrl+S")
        self.save_as_action = self._action("Save session &as…", self.save_as, "Ctrl+Shift+S")
        menu = commands.file_menu
        menu.insertAction(commands.recent_menu.menuAction(), self.open_action)
        menu.insertActions(commands.import_mask, [self.save_action, self.save_as_action])
        menu.insertSeparator(commands.import_mask)
        window.addActions([self.open_action, self.save_action, self.save_as_action])

    def _action(self, text: str, slot: Callable[[], object], key: str) -> QAction:
        action = QAction(text, self.window)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _connect(self) -> None:
        generation, document = self.window.generation, self.window.document
        # The window connected its own title slots first; ours run after and add the session.
        document.image_changed.connect(self._image_changed)
        document.modified_changed.connect(self._refresh_title)
        document.undo_stack.indexChanged.connect(self._changed)
        generation.panel.options_changed.connect(self._panel_changed)
        generation.panel.generate_requested.connect(self.autosave)
        generation.controller.run_started.connect(self._run_started)
        generation.controller.variant_arrived.connect(self._variant_arrived)
        self.unseen.changed.connect(self._changed)

    # ----- what a session holds ---------------------------------------------------------

    def capture(self) -> WindowSnapshot:
        """The window's state now (GUI thread); `.state()` finishes it in a worker."""
        document, panel = self.window.document, self.window.generation.panel
        lineage = document.lineage.as_settings() if document.lineage else {}
        return WindowSnapshot(
            image=document.image,
            image_path=document.path,
            image_name=document.display_name,
            coverage=document.mask.coverage.copy(),
            options=panel.options(),
            references=panel.reference_files(),
            runs=tuple(self.runs),
            unseen=self.unseen.ids,
            lineage=lineage,
        )

    def _apply(self, loaded: LoadedSession, path: Path | None) -> None:
        """Put a loaded session on the canvas as a fresh document, its runs in the view."""
        generation, document = self.window.generation, self.window.document
        state, photo = loaded.state, loaded.photo
        mask = Mask(photo.image.width, photo.image.height, state.coverage)
        self.window.banner.dismiss()
        document.load(photo, None, state.image_name, mask)
        document.lineage = loaded.lineage
        generation.panel.set_options(loaded.options)
        self.runs = list(state.runs)
        for record in loaded.records:
            generation.variants.show_run(record)
        self.unseen.replace(state.unseen)
        waiting = [run_id for run_id in self.unseen.ids if run_id in generation.variants.pages]
        if waiting:  # the newest images nobody has seen yet come first
            generation.variants.show_page(waiting[-1])
            generation.tabs.setCurrentIndex(VARIANTS_TAB)
        else:
            generation.tabs.setCurrentIndex(CANVAS_TAB)
        self.path = path
        self._saved = (loaded.options, tuple(self.runs))
        self._refresh_title()

    # ----- save and open ----------------------------------------------------------------

    def save(self) -> None:
        """Ctrl+S: to the session file this window came from, else ask where."""
        if self.path is None:
            self.save_as()
        else:
            self.save_to(self.path)

    def save_as(self) -> None:
        start = str(self.path or self._suggested_path())
        name, _ = QFileDialog.getSaveFileName(self.window, "Save session", start, SESSION_FILTER)
        if name:
            self.save_to(Path(name))

    def save_to(self, path: Path) -> None:
        """Write the session in the background; the banner says if it failed."""
        if not is_session_file(path):
            path = path.with_name(path.name + SUFFIX)
        snapshot = self.capture()
        undo_index = self.window.document.undo_stack.index()
        saved = (snapshot.options, snapshot.runs)
        self._run(
            lambda: save_session(path, snapshot.state()),
            "save session",
            lambda _none: self._saved_to(path, undo_index, saved),
            self._report,
        )

    def _saved_to(
        self, path: Path, undo_index: int, saved: tuple[PanelOptions, tuple[str, ...]]
    ) -> None:
        if self._closed:
            return
        self.path = path
        self._saved = saved
        document = self.window.document
        if document.undo_stack.index() == undo_index:  # no edit since the snapshot
            document.mark_saved()
        self.window._remember(path)
        self.window.statusBar().showMessage(f"Session saved to {path}", 5000)
        self._refresh_title()

    def open_dialog(self) -> None:
        start = str(self.path.parent) if self.path else ""
        name, _ = QFileDialog.getOpenFileName(self.window, "Open session", start, SESSION_FILTER)
        if name:
            self.open(Path(name))

    def open(self, path: Path, remember: bool = True) -> bool:
        """Start opening a session file; it replaces the canvas only if it loads in full."""

        def done() -> None:
            if remember:
                self.window._remember(path)

        self._load(lambda: load_session(path), path, done)
        return True

    def _load(
        self,
        source: Callable[[], SessionState],
        path: Path | None,
        done: Callable[[], None],
        failed: Callable[[], None] | None = None,
    ) -> None:
        history = self.window.generation.history

        def loaded(session: LoadedSession) -> None:
            if not self._closed:
                self._apply(session, path)
                done()

        def failure(error: BaseException) -> None:
            self._report(error)
            if failed is not None:
                failed()

        self._run(lambda: read_session(source, history), "open session", loaded, failure)

    # ----- autosave -----------------------------------------------------------------

    @property
    def has_unsaved_changes(self) -> bool:
        """Something changed since the last autosave."""
        return self._changes != self._autosaved

    def autosave(self) -> None:
        """Snapshot to the recovery folder in the background, if anything changed.

        Called by the 30 s timer and at every Generate; a request while one is being
        written is folded into one more save after it.
        """
        if self._closed or not self.has_unsaved_changes:
            return
        if self._autosaving:
            self._autosave_again = True
            return
        snapshot, mark, recovery = self.capture(), self._changes, self.recovery
        self._autosaving = True
        self._run(
            lambda: recovery.autosave(snapshot.state()),
            "autosave",
            lambda _path: self._autosaved_at(mark),
            self._autosave_failed,
            self._autosave_over,
        )

    def _autosaved_at(self, mark: int) -> None:
        self._autosaved = mark
        self.autosaves += 1
        for item in self._discard_after_autosave:
            self.recovery.discard(item)
        self._discard_after_autosave.clear()

    def _autosave_failed(self, error: BaseException) -> None:
        if self._closed:
            return
        log.warning("autosave failed: %r", error)
        if not self._autosave_warned:  # once, not every 30 s
            self._autosave_warned = True
            self._report(error)

    def _autosave_over(self) -> None:
        self._autosaving = False
        if self._autosave_again:
            self._autosave_again = False
            self.autosave()

    # ----- crash recovery -------------------------------------------------------------

    def restore(self, item: RecoverableSession) -> None:
        """Bring a crashed session back; its snapshot goes once our own autosave holds it."""
        self.bar.set_busy(True)

        def done() -> None:
            # The crashed snapshot goes only once ours holds the same work.
            self._discard_after_autosave.append(item)
            self._drop_offer(item)
            self._changed()
            self.autosave()

        recovery = self.recovery
        self._load(lambda: recovery.restore(item), None, done, lambda: self.bar.set_busy(False))

    def discard(self, item: RecoverableSession) -> None:
        self.recovery.discard(item)
        self._drop_offer(item)

    def _drop_offer(self, item: RecoverableSession) -> None:
        self._offers = [offer for offer in self._offers if offer.path != item.path]
        self._offer_next()

    def _offer_next(self) -> None:
        first = self._offers[0] if self._offers else None
        self.bar.offer(first, len(self._offers) - 1 if first else 0)

    def close(self) -> None:
        """Clean exit: stop autosaving and remove this window's recovery slot."""
        if self._closed:
            return
        self._closed = True
        self.timer.stop()
        self.recovery.close()

    # ----- bookkeeping --------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A save, open, restore or autosave is still running."""
        return bool(self._jobs)

    def _run(
        self,
        work: Callable[[], Any],
        name: str,
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None],
        on_finished: Callable[[], None] | None = None,
    ) -> None:
        """Run `work` on the worker; `busy` stays true until its last callback ran.

        The Job is held here until `finished` reaches the GUI thread: dropped earlier, the
        pool thread would free a GUI-thread QObject that still has signals queued.
        """
        job: list[Job[Any]] = []

        def finished() -> None:
            self._jobs.discard(job[0])
            if on_finished is not None:
                on_finished()

        started = run_in_background(
            lambda _context: work(),
            name=name,
            on_success=on_success,
            on_failure=on_failure,
            on_finished=finished,
        )
        job.append(started)
        self._jobs.add(started)

    def _report(self, error: BaseException) -> None:
        if self._closed:
            return
        if isinstance(error, MaskpaintError):
            text = error.user_message
        else:
            log.error("session job failed unexpectedly", exc_info=error)
            text = f"Something unexpected went wrong ({type(error).__name__}); the log has details."
        self.window.banner.show_message(text)

    def _changed(self) -> None:
        self._changes += 1

    def _panel_changed(self) -> None:
        self._changed()
        self._refresh_title()

    def _image_changed(self) -> None:
        self._changed()
        if self.window.document.undo_stack.count() == 0:
            self.path = None  # another photo was opened: no longer the saved session
        self._refresh_title()

    def _run_started(self, run_id: str, _opened: object) -> None:
        self.runs.append(run_id)
        self._changed()
        self._refresh_title()
        self.autosave()

    def _variant_arrived(self, run_id: str, _saved: object) -> None:
        before = len(self.unseen.ids)
        self.unseen.variant_arrived(run_id)
        if len(self.unseen.ids) > before:
            self.autosave()

    def _suggested_path(self) -> Path:
        document = self.window.document
        folder = document.path.parent if document.path else Path.home()
        return folder / f"{Path(document.display_name).stem or 'session'}{SUFFIX}"

    def _refresh_title(self) -> None:
        window, document = self.window, self.window.document
        session = f"{self.path.name} — " if self.path is not None else ""
        window.setWindowTitle(f"{session}{document.display_name}[*] — maskpaint")
        now = (self.window.generation.panel.options(), tuple(self.runs))
        edited = self.path is not None and now != self._saved
        window.setWindowModified(document.is_modified or edited)
