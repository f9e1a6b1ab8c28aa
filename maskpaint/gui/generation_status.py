"""The generation's corner of the status bar: where edits go, and how the newest run is doing."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar

from maskpaint.gui.generation import GenerationController


class GenerationStatus(QLabel):
    """One line at the left of the status bar, driven by the controller's `status_changed`."""

    def __init__(self, bar: QStatusBar, controller: GenerationController) -> None:
        super().__init__()
        self.setObjectName("generation-status")
        self.setContentsMargins(6, 0, 6, 0)
        bar.addWidget(self, 1)
        controller.status_changed.connect(self.setText)
        self.setText(controller.backend.notice)
