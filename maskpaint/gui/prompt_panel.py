"""The side panel: prompt, model and options, reference images, preflight, cost, Generate.

It holds no business logic: the model table says what is enabled, `build_request` (in
panel_options) turns the options into a request, preflight and pricing judge them.
The panel only shows the answers and emits `generate_requested` / `cancel_requested`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from maskpaint.core.preflight import PreflightReport
from maskpaint.core.pricing import estimate_before
from maskpaint.core.request import EditRequest, ImageFile
from maskpaint.gui.panel_compose import ComposeBox
from maskpaint.gui.panel_controls import LEVEL_COLOURS, OptionsForm, colour
from maskpaint.gui.panel_options import (
    PanelOptions,
    build_request,
    options_from_json,
    options_to_json,
)
from maskpaint.gui.panel_preflight import DocumentFacts, Line, check, report_lines
from maskpaint.gui.panel_references import ReferenceList
from maskpaint.gui.settings import app_settings
from maskpaint.gui.worker import run_in_background

SETTINGS_KEY = "panel/options"
#: Wait this long after the last edit before preflight: typing stays smooth.
DEBOUNCE_MS = 150


class PromptPanel(QWidget):
    """The prompt and every option of one edit request; see the module docstring."""

    generate_requested = Signal()
    cancel_requested = Signal()
    options_changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self._settings = settings if settings is not None else app_settings()
        self._facts: DocumentFacts | None = None
        self._busy = 0
        self._preflight_seq = 0
        self._lines: tuple[Line, ...] = ()
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self._settled)
        self._build()
        self._make_actions()
        saved = self._settings.value(SETTINGS_KEY)
        if isinstance(saved, str):
            self.set_options(options_from_json(saved))
        else:
            self._changed()

    # -- building -------------------------------------------------------------------

    def _build(self) -> None:
        self.prompt_edit = QPlainTextEdit()
        self.prompt_edit.setPlaceholderText("Describe the change inside the mask…")
        self.prompt_edit.textChanged.connect(self._changed)
        self.count_label = QLabel(alignment=Qt.AlignmentFlag.AlignRight)
        self.form = OptionsForm()
        self.form.changed.connect(self._changed)
        self.references = ReferenceList()
        self.references.changed.connect(self._changed)
        self.compose_box = ComposeBox()
        self.compose_box.changed.connect(self._changed)
        refs_box = QGroupBox("Reference images")
        QVBoxLayout(refs_box).addWidget(self.references)
        self.preflight_label = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.cost_label = QLabel(wordWrap=True)
        self._free_note: str | None = None
        self.generate_button = QPushButton("Generate")
        self.generate_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.busy_label = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.busy_label, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.generate_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Prompt"))
        layout.addWidget(self.prompt_edit, 1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.form)
        layout.addWidget(self.compose_box)
        layout.addWidget(refs_box)
        layout.addWidget(self.preflight_label)
        layout.addWidget(self.cost_label)
        layout.addLayout(buttons)

    def _make_actions(self) -> None:
        """Generate and Cancel as actions, so the window can reuse them (menus, toolbar).

        Their shortcuts work while focus is in the panel. To make them window-wide, change
        the context (`setShortcutContext(Qt.WindowShortcut)`) rather than adding a second
        shortcut for the same keys: Qt fires neither of two ambiguous shortcuts.
        """
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self.generate_action = QAction("Generate", self)
        self.generate_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.generate_action.setShortcutContext(context)
        self.generate_action.triggered.connect(self.generate_requested)
        self.cancel_action = QAction("Cancel", self)
        self.cancel_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.cancel_action.setShortcutContext(context)
        self.cancel_action.triggered.connect(self.cancel_requested)
        self.addActions([self.generate_action, self.cancel_action])
        self.generate_button.clicked.connect(self.generate_action.trigger)
        self.cancel_button.clicked.connect(self.cancel_action.trigger)
        self.generate_button.setToolTip("Send the edit (Ctrl+Enter)")
        self.cancel_button.setToolTip("Stop the running edits (Esc)")
        self.set_busy(0)

    # -- public API -----------------------------------------------------------------

    def options(self) -> PanelOptions:
        base = PanelOptions(
            prompt=self.prompt_edit.toPlainText(), reference_paths=self.references.paths()
        )
        return self.compose_box.read(self.form.read(base))

    def set_options(self, options: PanelOptions) -> None:
        """Show saved or restored options (history, the last session)."""
        self.prompt_edit.blockSignals(True)
        self.prompt_edit.setPlainText(options.prompt)
        self.prompt_edit.blockSignals(False)
        self.form.fill(options)
        self.compose_box.fill(options)
        if options.reference_paths != self.references.paths():
            self.references.set_paths(options.reference_paths)
        self._changed()

    def set_prompt(self, text: str) -> None:
        self.prompt_edit.setPlainText(text)

    def set_document_facts(
        self,
        width: int,
        height: int,
        has_mask: bool,
        *,
        image_bytes: int | None = None,
        mask_bytes: int | None = None,
    ) -> None:
        """What the canvas holds, for preflight; width or height 0 means no photo."""
        facts = DocumentFacts(width, height, has_mask, image_bytes, mask_bytes)
        if facts != self._facts:
            self._facts = facts
            self._debounce.start()

    def build_request(
        self, image: ImageFile, mask: ImageFile | None, references: Sequence[ImageFile]
    ) -> EditRequest:
        """The request for the current options; see panel_options.build_request."""
        return build_request(self.options(), image, mask, references)

    def reference_files(self) -> tuple[ImageFile, ...]:
        """The reference images already read from disk, in order."""
        return self.references.files()

    def preflight_lines(self) -> tuple[Line, ...]:
        """What the preflight area shows now (empty until the first check finishes)."""
        return self._lines

    def set_busy(self, n_jobs: int) -> None:
        """How many edits are running: Cancel (and Esc) work only while some are."""
        self._busy = max(n_jobs, 0)
        self.cancel_action.setEnabled(self._busy > 0)
        self.cancel_button.setEnabled(self._busy > 0)
        running = {0: "", 1: "1 edit running"}
        self.busy_label.setText(running.get(self._busy, f"{self._busy} edits running"))

    # -- reacting -------------------------------------------------------------------

    def _changed(self) -> None:
        """Cheap updates (count, cost, saving) at once; preflight after the debounce."""
        options = self.options()
        spec = self.form.spec
        self.compose_box.show_model(options.model)
        self._show_count(len(options.prompt), spec.prompt_max)
        limit = max(spec.max_images - 1, 0)
        self.references.set_limit(limit, f"{spec.label} takes only the photo on the canvas.")
        self._show_cost(options)
        self._settings.setValue(SETTINGS_KEY, options_to_json(options))
        self._debounce.start()
        self.options_changed.emit()

    def _show_count(self, length: int, limit: int) -> None:
        self.count_label.setText(f"{length:,} / {limit:,}")
        palette = self.count_label.palette()
        role = QPalette.ColorRole.WindowText
        palette.setColor(role, colour("problem") if length > limit else self.palette().color(role))
        self.count_label.setPalette(palette)

    def set_free_endpoint(self, note: str | None) -> None:
        """Say edits cost nothing (a server on this machine), or None to estimate again."""
        self._free_note = note
        self._show_cost(self.options())

    def _show_cost(self, options: PanelOptions) -> None:
        if self._free_note is not None:
            self.cost_label.setText(self._free_note)
            return
        spec = self.form.spec
        quality = options.quality if spec.accepts("quality") else None
        estimate = estimate_before(options.model, size=options.size, quality=quality, n=options.n)
        images = "1 image" if options.n == 1 else f"{options.n} images"
        self.cost_label.setText(f"Estimated cost for {images}: {estimate.describe()}")

    def _settled(self) -> None:
        options = self.options()
        self._preflight_seq += 1
        seq, facts, refs = self._preflight_seq, self._facts, self.references.files()
        run_in_background(
            lambda _context: (seq, check(options, facts, refs)),
            name="preflight",
            on_success=self._preflight_done,
        )

    def _preflight_done(self, result: tuple[int, PreflightReport]) -> None:
        seq, report = result
        if seq != self._preflight_seq:
            return  # an older check finished after a newer one started
        self._lines = report_lines(report, self.form.size_notes())
        self.preflight_label.setText(
            "".join(
                f'<div style="color:{LEVEL_COLOURS[line.level]}">{html.escape(line.text)}</div>'
                for line in self._lines
            )
        )
        self.preflight_label.setVisible(bool(self._lines))
