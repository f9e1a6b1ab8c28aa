"""Start the Qt application and the main window."""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from maskpaint import __version__
from maskpaint.gui.main_window import MainWindow
from maskpaint.gui.settings import APPLICATION, ORGANIZATION

#: TEST-ONLY: a Python file run inside the app once its event loop starts, with `window`
#: in its globals. The crash test uses it to drive a real app process it then kills.
TEST_SCRIPT_ENV = "MASKPAINT_TEST_SCRIPT"


def build_window(
    image: Path | None = None, mask: Path | None = None, prompt: str | None = None
) -> MainWindow:
    """The main window for `maskpaint [IMAGE] [--mask M] [--prompt P]`, not yet shown."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    return MainWindow(image, mask, prompt)


def run_app(image: Path | None = None, mask: Path | None = None, prompt: str | None = None) -> int:
    """Run the GUI until its last window closes; returns the exit code."""
    window = build_window(image, mask, prompt)
    window.show()
    script = os.environ.get(TEST_SCRIPT_ENV)
    if script:
        QTimer.singleShot(0, lambda: runpy.run_path(script, init_globals={"window": window}))
    return QApplication.instance().exec()  # type: ignore[union-attr]
