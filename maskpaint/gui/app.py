"""Start the Qt application and the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from maskpaint import __version__
from maskpaint.resources import sample_photo


class MainWindow(QMainWindow):
    """The photo in a window; the painting canvas replaces the label."""

    def __init__(self, image: Path | None = None) -> None:
        super().__init__()
        self._label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(self._label)
        self.resize(900, 640)
        self.open_image(image or sample_photo())

    def open_image(self, path: Path) -> None:
        pixmap = QPixmap(str(path))
        self._label.setPixmap(pixmap)
        self.setWindowTitle(f"{path.name} — maskpaint")
        self.statusBar().showMessage(f"{pixmap.width()} × {pixmap.height()}")


def run_app(image: Path | None = None, mask: Path | None = None, prompt: str | None = None) -> int:
    """Run the GUI until its last window closes; returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("maskpaint")
    app.setApplicationVersion(__version__)
    window = MainWindow(image)
    window.show()
    return app.exec()
