"""The panel's "Full-resolution result" box: composite into the original, crop to mask.

Like the rest of the panel it only shows and edits `PanelOptions`; what the choices do
is in core/compose_run.py, and the crop line's figures come from `CropPreview`.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QWidget,
)

from maskpaint.gui.panel_options import PanelOptions, composite_default

MAX_FEATHER_PX = 64.0
MAX_PADDING_PX = 2048


class ComposeBox(QGroupBox):
    """Two checkboxes with their sizes, and the line saying what cropping buys."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Full-resolution result", parent)
        self._composite: bool | None = None  # None until the user picks: the model decides
        self._model = ""
        self.composite_check = QCheckBox("Composite into original")
        self.composite_check.setToolTip(
            "Keep the photo untouched outside the mask, at its full resolution; "
            "the raw variant stays one click away on its tile."
        )
        self.feather_spin = QDoubleSpinBox(
            minimum=0.0, maximum=MAX_FEATHER_PX, singleStep=1.0, decimals=1, suffix=" px"
        )
        self.feather_spin.setToolTip("Soft edge inside the mask")
        self.crop_check = QCheckBox("Crop to mask")
        self.crop_check.setToolTip(
            "Send only the area around the mask, at the model's size, and paste the answer "
            "back into the full photo: more detail for small edits in big photos."
        )
        self.padding_spin = QSpinBox(minimum=0, maximum=MAX_PADDING_PX, suffix=" px")
        self.padding_spin.setToolTip("Context around the mask in the crop")
        self.crop_line = QLabel(wordWrap=True)
        self.crop_line.hide()
        grid = QGridLayout(self)
        grid.addWidget(self.composite_check, 0, 0)
        grid.addWidget(QLabel("feather"), 0, 1)
        grid.addWidget(self.feather_spin, 0, 2)
        grid.addWidget(self.crop_check, 1, 0)
        grid.addWidget(QLabel("padding"), 1, 1)
        grid.addWidget(self.padding_spin, 1, 2)
        grid.addWidget(self.crop_line, 2, 0, 1, 3)
        self.composite_check.clicked.connect(self._composite_clicked)
        self.crop_check.toggled.connect(self._edited)
        self.feather_spin.valueChanged.connect(self.changed)
        self.padding_spin.valueChanged.connect(self.changed)
        self.fill(PanelOptions())

    def read(self, base: PanelOptions) -> PanelOptions:
        return replace(
            base,
            composite=self._composite,
            feather_px=self.feather_spin.value(),
            crop_to_mask=self.crop_check.isChecked(),
            crop_padding=self.padding_spin.value(),
        )

    def fill(self, options: PanelOptions) -> None:
        """Show `options` without emitting `changed` (the panel emits once for all)."""
        widgets = (self.composite_check, self.feather_spin, self.crop_check, self.padding_spin)
        for widget in widgets:
            widget.blockSignals(True)
        self._composite = options.composite
        self.feather_spin.setValue(options.feather_px)
        self.crop_check.setChecked(options.crop_to_mask)
        self.padding_spin.setValue(options.crop_padding)
        for widget in widgets:
            widget.blockSignals(False)
        self.show_model(options.model)

    def show_model(self, model: str) -> None:
        """The checkbox follows the model's default until the user picks a side."""
        self._model = model
        self._show_enabled()

    def set_crop_line(self, text: str) -> None:
        self.crop_line.setText(text)
        self.crop_line.setVisible(bool(text) and self.crop_check.isChecked())

    def _composite_clicked(self, checked: bool) -> None:
        self._composite = checked
        self._edited()

    def _edited(self) -> None:
        self._show_enabled()
        self.changed.emit()

    def _show_enabled(self) -> None:
        cropping = self.crop_check.isChecked()
        composite = composite_default(self._model) if self._composite is None else self._composite
        self.composite_check.blockSignals(True)
        # Crop implies composite: the crop's answer is pasted back into the photo.
        self.composite_check.setChecked(composite or cropping)
        self.composite_check.setEnabled(not cropping)
        self.composite_check.blockSignals(False)
        self.feather_spin.setEnabled(composite or cropping)
        self.padding_spin.setEnabled(cropping)
        self.crop_line.setVisible(cropping and bool(self.crop_line.text()))
