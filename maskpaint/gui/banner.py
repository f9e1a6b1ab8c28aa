"""A non-modal message strip above the canvas: errors say what happened and what to do."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget


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
        self.action_button = QPushButton()  # what to do about it, e.g. "Open Settings"
        self.action_button.hide()
        self.action_button.clicked.connect(self._act)
        self._on_action: Callable[[], None] | None = None
        close = QToolButton()
        close.setText("×")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self._label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(close)
        self.hide()

    def show_message(
        self, text: str, action: str | None = None, on_action: Callable[[], None] | None = None
    ) -> None:
        """Show `text`; with `action`, a button that runs `on_action` and dismisses."""
        self._label.setText(text)
        self._on_action = on_action if action else None
        self.action_button.setText(action or "")
        self.action_button.setVisible(bool(action))
        self.show()

    def dismiss(self) -> None:
        self._label.clear()
        self._on_action = None
        self.action_button.hide()
        self.hide()

    def _act(self) -> None:
        on_action = self._on_action
        self.dismiss()
        if on_action is not None:
            on_action()

    def text(self) -> str:
        return self._label.text()
