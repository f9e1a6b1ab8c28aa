"""GUI fixtures. Preferences land in the per-test MASKPAINT_HOME of tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from maskpaint.gui.main_window import MainWindow
from maskpaint.gui.variants_view import VariantsView


@pytest.fixture
def window(qtbot, coffee_path: Path) -> Iterator[MainWindow]:
    """The main window on the coffee photo, shown at 100 % with a 20 px hard brush."""
    win = MainWindow(coffee_path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()  # shortcuts reach only the active window, whatever ran before
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    win.canvas.actual_size()
    win.tools.set_size(20)
    win.tools.set_hardness(1.0)
    yield win


@pytest.fixture
def view(qtbot) -> VariantsView:
    """A shown variants view, 1200×800."""
    widget = VariantsView()
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget
