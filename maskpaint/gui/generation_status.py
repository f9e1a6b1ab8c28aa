"""The generation's corner of the status bar: where edits go, and how the newest run is doing."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from maskpaint.gui.generation import GenerationController


class GenerationStatus(QLabel):
    """One line at the left of the status bar, and a progress strip while runs go on."""

    def __init__(self, bar: QStatusBar, controller: GenerationController) -> None:
        super().__init__()
        self.setObjectName("generation-status")
        self.setContentsMargins(6, 0, 6, 0)
        self.strip = QProgressBar()
        self.strip.setMaximumWidth(160)
        self.strip.setMaximumHeight(14)
        self.strip.setTextVisible(False)
        self.strip.hide()
        bar.addWidget(self.strip)
        bar.addWidget(self, 1)
        controller.status_changed.connect(self.setText)
        controller.busy_changed.connect(lambda count: self.strip.setVisible(count > 0))
        controller.busy_changed.connect(lambda count: self._show_fraction(-1.0))
        controller.fraction_changed.connect(self._show_fraction)
        self.setText(controller.backend.notice)

    def _show_fraction(self, fraction: float) -> None:
        """Upload share as a bar; a moving "busy" bar when no share is known."""
        if fraction < 0:
            self.strip.setRange(0, 0)
        else:
            self.strip.setRange(0, 1000)
            self.strip.setValue(round(fraction * 1000))
