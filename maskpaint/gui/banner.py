"""A non-modal message strip above the canvas: errors say what happened and what to do."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget


class Banner(QFrame):
    """Hidden until there is something to say; closes with its × button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setStyleSheet(
            "#banner { background: #fdecea; border-bottom: 1px solid #e0a8a2; }"
            "#banner QLabel { color: #611a15; }"
        )
        self._label = QLabel()
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("×")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self._label, 1)
        layout.addWidget(close)
        self.hide()

    def show_message(self, text: str) -> None:
        self._label.setText(text)
        self.show()

    def dismiss(self) -> None:
        self._label.clear()
        self.hide()

    def text(self) -> str:
        return self._label.text()
