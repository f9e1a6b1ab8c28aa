"""The non-modal "restore your last session?" strip shown above the canvas after a crash."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from maskpaint.core.recovery import RecoverableSession


def describe(item: RecoverableSession, more: int = 0) -> str:
    """One plain sentence: what was open, when it was saved, what is waiting to be seen."""
    when = item.saved_at.astimezone().strftime("%H:%M on %d %b")
    prompt = f" with the prompt “{item.prompt_preview}”" if item.prompt_preview else ""
    variants = sum(len(run.variants) for run in item.unseen)
    waiting = ""
    if variants:
        waiting = (
            " 1 new image you had not seen yet is kept."
            if variants == 1
            else f" {variants} new images you had not seen yet are kept."
        )
    others = f" ({more} more after this one.)" if more else ""
    return (
        f"maskpaint did not close properly: {item.image_name}{prompt} was autosaved at "
        f"{when}.{waiting} Restore it?{others}"
    )


class RecoveryBar(QFrame):
    """Offers one crashed session at a time; the window decides what the buttons do."""

    restore_requested = Signal(object)  # RecoverableSession
    discard_requested = Signal(object)  # RecoverableSession

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recovery")
        self.setStyleSheet(
            "#recovery { background: #e8f0fe; border-bottom: 1px solid #a8c0e8; }"
            "#recovery QLabel { color: #1a3a6b; }"
        )
        self.item: RecoverableSession | None = None
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.restore_button = QPushButton("Restore")
        self.restore_button.clicked.connect(lambda: self._emit(self.restore_requested))
        self.discard_button = QPushButton("Discard")
        self.discard_button.setToolTip("Delete the autosaved copy (history runs stay)")
        self.discard_button.clicked.connect(lambda: self._emit(self.discard_requested))
        later = QToolButton()
        later.setText("×")
        later.setAutoRaise(True)
        later.setToolTip("Not now: ask again at the next start")
        later.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.restore_button)
        layout.addWidget(self.discard_button)
        layout.addWidget(later)
        self.hide()

    def offer(self, item: RecoverableSession | None, more: int = 0) -> None:
        """Show `item` (None hides the bar)."""
        self.item = item
        self.set_busy(False)
        if item is None:
            self.hide()
            return
        self.label.setText(describe(item, more))
        self.show()

    def set_busy(self, busy: bool) -> None:
        """While restoring, the buttons wait: a second click must not restore twice."""
        self.restore_button.setEnabled(not busy)
        self.discard_button.setEnabled(not busy)

    def _emit(self, signal: Signal) -> None:
        if self.item is not None:
            signal.emit(self.item)  # type: ignore[attr-defined]
