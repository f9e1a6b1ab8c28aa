"""Issue 5 in the main window: the prompt panel, the variants view, the History panel.

`GenerationUi` builds them around the canvas and connects them to one
`GenerationController`; the main window only calls it (see `_setup_generation`).
Widgets talk to the controller, never to each other.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QTabWidget

from maskpaint.core import paths
from maskpaint.core.compose import CropPlan
from maskpaint.core.compose_run import FULL_PHOTO_NAME, SETTINGS_KEY, plan_from_record
from maskpaint.core.errors import MaskpaintError
from maskpaint.core.history import History
from maskpaint.core.settings import Settings, SettingsStore
from maskpaint.gui.backend import Backend, choose_backend
from maskpaint.gui.composite import COMPOSITE, Compositor, CropPreview, saved_composites
from maskpaint.gui.generation import FROM_CANVAS, OPEN_SETTINGS, GenerationController
from maskpaint.gui.generation_job import GenerationOutcome, RunOpened, VariantSaved
from maskpaint.gui.generation_status import GenerationStatus
from maskpaint.gui.history_panel import HistoryPanel
from maskpaint.gui.panel_options import compose_settings, options_from_request
from maskpaint.gui.prompt_panel import PromptPanel
from maskpaint.gui.run_restore import Restore
from maskpaint.gui.settings import app_settings
from maskpaint.gui.settings_dialog import SettingsDialog
from maskpaint.gui.variant_info import ResultInfo, RunInfo
from maskpaint.gui.variants_view import VariantsView

if TYPE_CHECKING:
    from maskpaint.core.api import PartialImage
    from maskpaint.gui.main_window import MainWindow

CANVAS_TAB, VARIANTS_TAB = 0, 1
DOCK_STATE_KEY = "window/docks"


class GenerationUi(QObject):
    """Owns the generation widgets of one window and the wires between them."""

    def __init__(self, window: MainWindow, prompt: str | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.backend: Backend = choose_backend()
        self.history = self._open_history(self.backend.settings.data_folder)
        self.controller = GenerationController(window.document, self.backend, self.history, window)
        self.panel = PromptPanel()
        self.variants = VariantsView()
        self.tabs = self._build_tabs()
        self.panel_dock = self._dock(
            "Prompt", "prompt", self.panel, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.history_panel = HistoryPanel(self.history)
        window.history_dock.setWindowTitle("Undo history")  # "History" is the runs now
        self.runs_dock = self._dock(
            "History", "runs", self.history_panel, Qt.DockWidgetArea.RightDockWidgetArea
        )
        window.tabifyDockWidget(self.panel_dock, self.runs_dock)  # one column for the canvas
        self.panel_dock.raise_()
        state = app_settings().value(DOCK_STATE_KEY)
        if state:
            window.restoreState(state)  # where the user left the docks last time
        self.status = GenerationStatus(window.statusBar(), self.controller)
        self._build_actions()
        self._connect_controller()
        self._connect_variants()
        self._connect_history()
        self._connect_panel()
        self._show_endpoint_cost()
        self._connect_compose()
        if prompt is not None:
            self.panel.set_prompt(prompt)

    # ----- building -------------------------------------------------------------------

    def _build_tabs(self) -> QTabWidget:
        """Canvas | Variants in the centre, below the banner, where the canvas was."""
        window = self.window
        tabs = QTabWidget()
        tabs.setDocumentMode(True)
        central = window.centralWidget()
        layout = central.layout() if central is not None else None
        assert layout is not None, "the main window lays out its canvas in a layout"
        layout.replaceWidget(window.canvas, tabs)
        tabs.addTab(window.canvas, "Canvas")
        tabs.addTab(self.variants, "Variants")
        return tabs

    def _dock(self, title: str, name: str, widget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.window.addDockWidget(area, dock)
        return dock

    def _build_actions(self) -> None:
        """The panel's Generate (Ctrl+Enter) and Cancel (Esc), made window-wide.

        Cancel is enabled only while something runs, so at other times Esc still
        reaches the widgets (the variants view's "back to the grid").
        """
        window = self.window
        self.generate_action = self.panel.generate_action
        self.cancel_action = self.panel.cancel_action
        for action in (self.generate_action, self.cancel_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.settings_action = QAction("&Settings…", window)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.triggered.connect(self.open_settings)
        window.addActions([self.settings_action])
        menu = window.menuBar().addMenu("&Generate")
        menu.addActions([self.generate_action, self.cancel_action])
        menu.addSeparator()
        menu.addActions([self.panel_dock.toggleViewAction(), self.settings_action])
        self.menu = menu

    # ----- wires ----------------------------------------------------------------------

    def _connect_controller(self) -> None:
        c = self.controller
        c.run_started.connect(self._run_started)
        c.partial_arrived.connect(self._partial)
        c.variant_arrived.connect(self._variant)
        c.run_finished.connect(self._run_finished)
        c.run_failed.connect(self.variants.fail_run)
        c.message.connect(self._show_message)
        c.retry_pending.connect(self._show_retry)
        c.retry_over.connect(self._clear_retry)
        c.busy_changed.connect(self.panel.set_busy)
        self._retry_text = ""

    def _connect_variants(self) -> None:
        self.variants.use_as_base.connect(self._use_as_base)
        self.variants.regenerate.connect(self.controller.regenerate)
        self.variants.problem.connect(lambda text: self.window.banner.show_message(text))

    def _connect_history(self) -> None:
        c = self.controller
        for signal in (c.run_started, c.run_finished, c.run_failed):
            signal.connect(lambda *_: self.history_panel.refresh())
        self._connect_history_panel()

    def _connect_history_panel(self) -> None:
        self.history_panel.open_run.connect(self.open_run)
        self.history_panel.restore_run.connect(self._restore_run)

    def _connect_panel(self) -> None:
        panel, document = self.panel, self.window.document
        panel.generate_requested.connect(self.generate)
        panel.cancel_requested.connect(self.controller.cancel)
        self.controller.run_restored.connect(self._restore_options)
        document.image_changed.connect(self._tell_panel_facts)
        document.undo_stack.indexChanged.connect(self._tell_panel_facts)
        self._tell_panel_facts()

    def _connect_compose(self) -> None:
        """Composites of arriving variants into their tiles; the panel's crop line."""
        self.compositor = Compositor(self.controller, self)
        self.compositor.composited.connect(
            lambda run_id, index, png: self.variants.add_variant_image(
                run_id, index, COMPOSITE, png, show=True
            )
        )
        self.compositor.failed.connect(lambda _run, text: self.window.banner.show_message(text))
        self.controller.run_started.connect(
            lambda _run, opened: self._say_crop(opened.composition and opened.composition.plan)
        )
        self.crop_preview = CropPreview(self.window.document, self)
        self.crop_preview.line_ready.connect(self.panel.compose_box.set_crop_line)
        document = self.window.document
        for signal in (self.panel.options_changed, document.image_changed):
            signal.connect(self._update_crop_line)
        document.undo_stack.indexChanged.connect(self._update_crop_line)
        self._update_crop_line()

    def _say_crop(self, plan: CropPlan | None) -> None:
        """Under the tiles: which crop a run sent (its raw variants are of that crop)."""
        if plan is not None:
            self.variants.status.setText(f"Crop to mask: {plan.summary()}.")

    def _update_crop_line(self) -> None:
        template = self.panel.build_request(FROM_CANVAS, None, ())
        self.crop_preview.update(compose_settings(self.panel.options()), template)

    # ----- commands -------------------------------------------------------------------

    def generate(self) -> None:
        """The panel's options with the canvas photo and mask, sent in the background."""
        template = self.panel.build_request(FROM_CANVAS, None, self.panel.reference_files())
        self.controller.generate(template, compose_settings(self.panel.options()))

    def close(self) -> None:
        """The window closes: cancel running jobs and stop the local server."""
        app_settings().setValue(DOCK_STATE_KEY, self.window.saveState())
        self.controller.shutdown()
        self.compositor.shutdown()
        self.backend.close()

    # ----- controller -> widgets ------------------------------------------------------

    def _run_started(self, run_id: str, opened: RunOpened) -> None:
        request = opened.request
        estimate = opened.estimate.describe() if opened.estimate is not None else None
        info = RunInfo(request.prompt, request.model, request.size, estimate)
        self.variants.begin_run(run_id, request.images[0].data, request.n or 1, info)
        composition = opened.composition
        if composition is not None and composition.plan is not None:
            # A crop was sent: composites compare with the full photo, not with the crop.
            self.variants.add_original_image(run_id, COMPOSITE, composition.original)
        self.tabs.setCurrentIndex(VARIANTS_TAB)
        notes = [*opened.fixes, *opened.warnings]
        if notes:
            self.window.statusBar().showMessage(" ".join(notes), 8000)

    def _partial(self, run_id: str, partial: PartialImage) -> None:
        self.variants.add_partial(run_id, partial.index, partial.data)

    def _variant(self, run_id: str, saved: VariantSaved) -> None:
        variant = saved.variant
        self.variants.add_variant(run_id, variant.index, variant.data, variant.format, saved.path)

    def _run_finished(self, run_id: str, outcome: GenerationOutcome) -> None:
        page = self.variants.pages.get(run_id)
        model = page.info.model if page is not None else ""
        info = ResultInfo.from_edit_result(outcome.result, model)
        cost = outcome.cost.describe() if outcome.cost is not None else None
        self.variants.finish_run(run_id, dataclasses.replace(info, cost=cost))

    def _show_message(self, text: str, action: str) -> None:
        if action == OPEN_SETTINGS:
            self.window.banner.show_message(text, "Open Settings", self.open_settings)
        else:
            self.window.banner.show_message(text)

    def _show_retry(self, text: str) -> None:
        self._retry_text = text
        self.window.banner.show_message(text)

    def _clear_retry(self) -> None:
        """Take the retry message down, unless something else has replaced it meanwhile."""
        if self._retry_text and self.window.banner.text() == self._retry_text:
            self.window.banner.dismiss()
        self._retry_text = ""

    def open_run(self, run_id: str) -> None:
        """Reopen a history run in the variants view."""
        try:
            record = self.history.get(run_id)
        except MaskpaintError as error:
            self.window.banner.show_message(error.user_message)
            return
        reopened = record.run_id not in self.variants.pages
        self.variants.show_run(record)
        if reopened:
            plan = plan_from_record(record.settings.get(SETTINGS_KEY))
            self._say_crop(plan)
            full_photo = record.path / FULL_PHOTO_NAME
            if plan is not None and full_photo in record.attachments:
                self.variants.add_original_image(record.run_id, COMPOSITE, full_photo)
            for index, path in saved_composites(record):
                self.variants.add_variant_image(record.run_id, index, COMPOSITE, path, show=True)
        self.tabs.setCurrentIndex(VARIANTS_TAB)

    def _restore_run(self, run_id: str) -> None:
        self.controller.restore_run(run_id)
        self.tabs.setCurrentIndex(CANVAS_TAB)

    def _tell_panel_facts(self) -> None:
        """Size and whether a mask is painted, for the panel's inline preflight."""
        document = self.window.document
        has_mask = bool(document.mask.binary().any())
        self.panel.set_document_facts(document.width, document.height, has_mask)

    def _restore_options(self, restore: Restore) -> None:
        """A restored run's prompt and options back in the panel; references from its folder."""
        references = [str(image.path) for image in restore.record.inputs[1:]]
        options = options_from_request(restore.request, references, self.panel.options())
        self.panel.set_options(options)

    def _use_as_base(self, run_id: str, index: int) -> None:
        """The image the tile shows becomes the new base: its composite or the raw one."""
        page = self.variants.pages.get(run_id)
        tile = page.variants.get(index) if page is not None else None
        shown = tile.kind if tile is not None else ""
        self.controller.use_as_base(run_id, index, composite=shown == COMPOSITE)
        self.tabs.setCurrentIndex(CANVAS_TAB)

    # ----- settings -------------------------------------------------------------------

    def open_settings(self) -> None:
        """The Settings dialog, window-modal; saving switches the endpoint at once."""
        dialog = SettingsDialog(SettingsStore(), self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.settings_saved.connect(self._settings_saved)
        dialog.open()

    def _settings_saved(self, settings: Settings) -> None:
        """Later runs go where the new settings say; running ones finish where they were."""
        old_folder = self.backend.settings.data_folder
        self.backend = choose_backend()
        self.controller.set_backend(self.backend)
        self._show_endpoint_cost()
        if settings.data_folder != old_folder:
            self._use_history(self._open_history(settings.data_folder))

    def _open_history(self, data_folder: str | None) -> History:
        """The history in the data folder; if it cannot be written, one in a temporary
        folder, said plainly, so a paid image still lands on disk."""
        try:
            return History(paths.history_dir(data_folder))
        except MaskpaintError as error:
            fallback = Path(tempfile.mkdtemp(prefix="maskpaint-history-"))
            self.window.banner.show_message(
                f"{error.user_message} Until then, results are saved in {fallback}.",
                "Open Settings",
                self.open_settings,
            )
            return History(fallback)

    def _show_endpoint_cost(self) -> None:
        """No price where nothing is billed: the built-in server or a gateway on this machine."""
        if self.backend.local:
            note = "Free: the built-in local server repaints the mask (the prompt is ignored)."
        elif self.backend.on_this_machine:
            note = "No estimate: edits go to a server on this machine."
        else:
            note = None
        self.panel.set_free_endpoint(note)

    def _use_history(self, history: History) -> None:
        """Another data folder: a History panel over the runs in it."""
        self.history = self.controller.history = history
        old = self.history_panel
        self.history_panel = HistoryPanel(history)
        self.runs_dock.setWidget(self.history_panel)
        old.deleteLater()
        self._connect_history_panel()
