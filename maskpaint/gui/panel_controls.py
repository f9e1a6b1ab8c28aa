"""The model and its options: which controls are enabled comes from the ModelSpec, not names.

Each closed-choice control remembers what the user last picked ("wanted"), so a model
that lacks a value, or a half-typed model name, does not throw the choice away.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from maskpaint.core.models import ModelSpec, get_model, known_models, parse_size
from maskpaint.core.request import DEFAULT_MODEL
from maskpaint.gui.panel_options import COMPRESSIBLE_FORMATS, PanelOptions

CUSTOM_SIZE = "Custom…"
NOT_SENT = "not sent"
#: Closed-choice fields with a combo of the model's allowed values, and their labels.
CHOICE_FIELDS = {
    "quality": "Quality",
    "background": "Background",
    "output_format": "Output format",
    "input_fidelity": "Input fidelity",
}
_DEFAULTS = PanelOptions()
SIZE_STEP = 16
SIZE_MAX = 16384  # beyond any model's limit, so the inline message explains the limit
LEVEL_COLOURS = {"problem": "#c62828", "warning": "#b26a00", "fix": "#555555"}


def model_item_text(spec: ModelSpec) -> str:
    return f"{spec.label} (retired {spec.retired:%Y-%m-%d})" if spec.retired else spec.label


class OptionsForm(QWidget):
    """Model, n, size and the model-specific options; emits `changed` on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._spec = get_model(DEFAULT_MODEL)
        self._wanted: dict[str, str] = {f: getattr(_DEFAULTS, f) for f in CHOICE_FIELDS}
        self._wanted["size"] = _DEFAULTS.size
        self._quiet_depth = 0
        self._build()
        self._apply_model()

    # -- building -------------------------------------------------------------------

    def _build(self) -> None:
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.model_combo = QComboBox(editable=True)
        self.model_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for spec in known_models():
            self.model_combo.addItem(model_item_text(spec), spec.name)
            self.model_combo.setItemData(
                self.model_combo.count() - 1,
                f"{spec.name}: {spec.note}",
                Qt.ItemDataRole.ToolTipRole,
            )
        self.model_combo.setToolTip("Pick a model or type any name your gateway serves.")
        self.model_combo.editTextChanged.connect(self._model_edited)
        form.addRow("Model", self.model_combo)

        self.n_spin = QSpinBox(minimum=1, value=_DEFAULTS.n)
        form.addRow("Images (n)", self.n_spin)

        self.size_combo = QComboBox()
        self.width_spin, self.height_spin = self._size_spin(), self._size_spin()
        self.custom_size = QWidget()
        row = QHBoxLayout(self.custom_size)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.width_spin)
        row.addWidget(QLabel("×"))
        row.addWidget(self.height_spin)
        self.size_note = QLabel(wordWrap=True)
        form.addRow("Size", self.size_combo)
        form.addRow("", self.custom_size)
        form.addRow("", self.size_note)

        self.choice_combos = {name: QComboBox() for name in CHOICE_FIELDS}
        for name, label in CHOICE_FIELDS.items():
            form.addRow(label, self.choice_combos[name])
            if name == "output_format":
                self.compression_spin = QSpinBox(
                    minimum=0, maximum=100, value=_DEFAULTS.output_compression, suffix=" %"
                )
                form.addRow("Compression", self.compression_spin)

        self.moderation_combo = QComboBox()
        self.moderation_combo.addItem(NOT_SENT, None)
        for value in ("low", "auto"):
            self.moderation_combo.addItem(value, value)
        self.moderation_combo.setToolTip("Sent only when set; gateways document it.")
        form.addRow("Moderation", self.moderation_combo)

        self.stream_check = QCheckBox("Stream")
        self.partial_spin = QSpinBox(minimum=0, value=_DEFAULTS.partial_images)
        self.partial_spin.setSuffix(" partial images")
        stream_row = QWidget()
        row = QHBoxLayout(stream_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.stream_check)
        row.addWidget(self.partial_spin, 1)
        form.addRow("Streaming", stream_row)
        self._connect_edits()

    def _size_spin(self) -> QSpinBox:
        spin = QSpinBox(minimum=SIZE_STEP, maximum=SIZE_MAX, singleStep=SIZE_STEP, value=1024)
        spin.setSuffix(" px")
        spin.setKeyboardTracking(False)
        return spin

    def _connect_edits(self) -> None:
        for name, combo in self.choice_combos.items():
            combo.currentIndexChanged.connect(lambda _i, name=name: self._picked(name))
        self.size_combo.currentIndexChanged.connect(lambda _i: self._picked("size"))
        for spin in (self.n_spin, self.compression_spin, self.partial_spin):
            spin.valueChanged.connect(self._edited)
        for spin in (self.width_spin, self.height_spin):
            spin.valueChanged.connect(self._custom_size_edited)
        self.moderation_combo.currentIndexChanged.connect(self._edited)
        self.stream_check.toggled.connect(self._edited)

    # -- reacting to edits ----------------------------------------------------------

    @contextlib.contextmanager
    def _quiet(self) -> Iterator[None]:
        """Programmatic changes inside do not count as user edits (nests)."""
        self._quiet_depth += 1
        try:
            yield
        finally:
            self._quiet_depth -= 1

    @property
    def spec(self) -> ModelSpec:
        return self._spec

    def model_name(self) -> str:
        """The chosen model: an item's name, or the free text typed in."""
        text = self.model_combo.currentText().strip()
        index = self.model_combo.findText(text)
        if index >= 0:
            return str(self.model_combo.itemData(index))
        return text or DEFAULT_MODEL

    def _model_edited(self, _text: str) -> None:
        spec = get_model(self.model_name())
        if spec == self._spec:
            return
        self._spec = spec
        self._apply_model()
        self._edited()

    def _picked(self, name: str) -> None:
        if self._quiet_depth:
            return
        if name == "size":
            self._wanted["size"] = self.size()
        else:
            self._wanted[name] = self.choice_combos[name].currentText()
        self._update_dependents()
        self.changed.emit()

    def _custom_size_edited(self) -> None:
        if self.size_combo.currentText() == CUSTOM_SIZE:
            self._picked("size")

    def _edited(self) -> None:
        if self._quiet_depth:
            return
        self._update_dependents()
        self.changed.emit()

    # -- model-driven state ---------------------------------------------------------

    def _apply_model(self) -> None:
        """Refill the choices for the current spec, keeping what the user wanted."""
        spec = self._spec
        with self._quiet():
            for name, combo in self.choice_combos.items():
                values = spec.allowed_values(name) or ()
                _refill(combo, values, self._wanted[name], getattr(_DEFAULTS, name))
                usable = spec.accepts(name) and bool(values)
                combo.setEnabled(usable)
                combo.setToolTip("" if usable else self._not_taken(CHOICE_FIELDS[name]))
            self._fill_sizes(spec)
            self.n_spin.setMaximum(spec.n_max)
            self.n_spin.setToolTip(f"1 to {spec.n_max} images per request.")
            self.moderation_combo.setEnabled(spec.accepts("moderation"))
            self.moderation_combo.setToolTip(
                "Sent only when set; gateways document it."
                if spec.accepts("moderation")
                else self._not_taken("moderation")
            )
            self.partial_spin.setMaximum(spec.partial_images_max)
        self._update_dependents()

    def _fill_sizes(self, spec: ModelSpec) -> None:
        items = list(spec.sizes) + ([CUSTOM_SIZE] if spec.free_size else [])
        wanted = self._wanted["size"]
        custom = parse_size(wanted) if wanted not in spec.sizes and spec.free_size else None
        fallback = next((s for s in ("auto", "1024x1024") if s in spec.sizes), spec.sizes[0])
        _refill(self.size_combo, items, CUSTOM_SIZE if custom else wanted, fallback)
        if custom:
            self.width_spin.setValue(custom[0])
            self.height_spin.setValue(custom[1])

    def _not_taken(self, what: str) -> str:
        return f"{self._spec.label} does not take {what.lower()}."

    def _update_dependents(self) -> None:
        """Controls whose state follows other controls: compression, partials, custom size."""
        spec = self._spec
        fmt_ok = self.choice_combos["output_format"].currentText() in COMPRESSIBLE_FORMATS
        compress = spec.accepts("output_compression") and fmt_ok
        self.compression_spin.setEnabled(compress)
        self.compression_spin.setToolTip(
            ""
            if compress
            else self._not_taken("output compression")
            if not spec.accepts("output_compression")
            else "Compression applies only to jpeg or webp output."
        )
        streams = spec.streaming and spec.accepts("stream")
        self.stream_check.setEnabled(streams)
        self.stream_check.setToolTip("" if streams else f"{spec.label} cannot stream.")
        partials = streams and spec.accepts("partial_images") and self.stream_check.isChecked()
        self.partial_spin.setEnabled(partials)
        self.partial_spin.setToolTip(
            f"0 to {spec.partial_images_max} previews while the model draws."
            if partials
            else "Partial images come only with streaming."
        )
        self.custom_size.setVisible(self.size_combo.currentText() == CUSTOM_SIZE)
        self._show_size_note()

    def _show_size_note(self) -> None:
        size = self.size()
        problem = self._spec.size_problem(size)
        note = problem or self._spec.size_warning(size) or ""
        self.size_note.setText(note)
        self.size_note.setVisible(bool(note))
        role = QPalette.ColorRole.WindowText
        palette = self.size_note.palette()
        palette.setColor(role, colour("problem" if problem else "warning"))
        self.size_note.setPalette(palette)

    # -- values ---------------------------------------------------------------------

    def size(self) -> str:
        if self.size_combo.currentText() == CUSTOM_SIZE:
            return f"{self.width_spin.value()}x{self.height_spin.value()}"
        return self.size_combo.currentText() or self._wanted["size"]

    def size_notes(self) -> tuple[str, ...]:
        """What the inline size note shows (the panel keeps it out of the preflight list)."""
        return (self.size_note.text(),) if self.size_note.text() else ()

    def read(self, base: PanelOptions) -> PanelOptions:
        """`base` with this form's fields; a control without choices keeps the wanted value."""
        choices = {
            name: combo.currentText() or self._wanted[name]
            for name, combo in self.choice_combos.items()
        }
        return replace(
            base,
            model=self.model_name(),
            n=self.n_spin.value(),
            size=self.size(),
            output_compression=self.compression_spin.value(),
            moderation=self.moderation_combo.currentData(),
            stream=self.stream_check.isChecked(),
            partial_images=self.partial_spin.value(),
            **choices,
        )

    def fill(self, options: PanelOptions) -> None:
        """Show `options` (history restore, saved session) without emitting per control."""
        with self._quiet():
            self._wanted.update({name: getattr(options, name) for name in CHOICE_FIELDS})
            self._wanted["size"] = options.size
            self.set_model(options.model)
            self._spec = get_model(self.model_name())
            self.n_spin.setValue(options.n)
            self.compression_spin.setValue(options.output_compression)
            index = self.moderation_combo.findData(options.moderation)
            self.moderation_combo.setCurrentIndex(max(index, 0))
            self.stream_check.setChecked(options.stream)
            self.partial_spin.setMaximum(max(self._spec.partial_images_max, 0))
            self.partial_spin.setValue(options.partial_images)
            self._apply_model()

    def set_model(self, name: str) -> None:
        index = self.model_combo.findData(name.strip())
        if index >= 0:
            self.model_combo.setCurrentIndex(index)
        else:
            self.model_combo.setEditText(name.strip())


def _refill(combo: QComboBox, values: Sequence[str], wanted: str, default: str) -> None:
    """Replace the items; select `wanted`, else `default`, else the first."""
    combo.blockSignals(True)
    try:
        combo.clear()
        combo.addItems(list(values))
        for choice in (wanted, default):
            if choice in values:
                combo.setCurrentText(choice)
                break
    finally:
        combo.blockSignals(False)


def colour(level: str) -> QColor:
    """Text colour of a note: red for a problem, amber for a caution, grey for a fix."""
    return QColor(LEVEL_COLOURS[level])
