"""GUI fixtures. Settings go to a per-test folder (MASKPAINT_HOME), never the user's config."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from maskpaint.gui.main_window import MainWindow


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every GUI test gets its own settings file under tmp (see gui/settings.py)."""
    home = tmp_path / "maskpaint-home"
    home.mkdir()
    monkeypatch.setenv("MASKPAINT_HOME", str(home))
    return home


@pytest.fixture
def window(qtbot, coffee_path: Path) -> Iterator[MainWindow]:
    """The main window on the coffee photo, shown at 100 % with a 20 px hard brush."""
    win = MainWindow(coffee_path)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.canvas.actual_size()
    win.tools.set_size(20)
    win.tools.set_hardness(1.0)
    yield win
