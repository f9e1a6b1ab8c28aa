"""THE crash test: a real app process is killed with SIGKILL mid-session; the next start
offers the session back and restores the photo, the mask, the prompt and the variant
that arrived but was never looked at."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from maskpaint.core import paths
from maskpaint.core.atomic import is_temp_name
from maskpaint.core.recovery import Recovery
from maskpaint.core.session import SessionError, load_session
from maskpaint.core.settings import Settings, SettingsStore
from maskpaint.gui.app import TEST_SCRIPT_ENV
from maskpaint.gui.generation_ui import VARIANTS_TAB
from maskpaint.gui.main_window import MainWindow
from tests.gui.session_support import PROMPT, document_pixels, pixels, wait_sessions

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("crash_script.py")


def app_environment(home: Path, out: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(
        MASKPAINT_HOME=str(home),
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        MASKPAINT_CRASH_OUT=str(out),
    )
    env[TEST_SCRIPT_ENV] = str(SCRIPT)
    return env


def arrived_run() -> str | None:
    """The id of a run whose variant file is in the history folder."""
    found = sorted(paths.history_dir().glob("*/variant-0.png"))
    return found[0].parent.name if found else None


def autosaved_unseen(run_id: str) -> bool:
    """An autosave (not a half-written temp file) already lists `run_id` as unseen."""
    for snapshot in paths.recovery_dir().glob("*.maskpaint"):
        if is_temp_name(snapshot.name):
            continue
        try:
            if load_session(snapshot).unseen == (run_id,):
                return True
        except SessionError:
            continue  # replaced while we read it: look again
    return False


@pytest.fixture
def app_process(maskpaint_home, tmp_path, coffee_path, local_server):
    SettingsStore().save(Settings(base_url=local_server.base_url))
    log = (tmp_path / "app.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "maskpaint", str(coffee_path)],
        env=app_environment(maskpaint_home, tmp_path),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    if process.poll() is None:
        process.kill()
    process.wait()
    log.close()


def test_a_killed_app_offers_its_session_back_with_the_unseen_variant(
    qtbot, app_process, coffee_path, tmp_path
):
    def ready() -> bool:
        assert app_process.poll() is None, (tmp_path / "app.log").read_text(errors="replace")
        run_id = arrived_run()
        return run_id is not None and autosaved_unseen(run_id)

    qtbot.waitUntil(ready, timeout=90000)
    run_id = arrived_run()
    assert run_id is not None
    os.kill(app_process.pid, signal.SIGKILL)
    assert app_process.wait() == -signal.SIGKILL
    painted = np.load(tmp_path / "coverage.npy")

    window = MainWindow(coffee_path)  # the next start, same MASKPAINT_HOME
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    bar = window.sessions.bar
    assert bar.isVisible()
    assert "coffee.png" in bar.label.text() and "1 new image you had not seen" in bar.label.text()
    qtbot.mouseClick(bar.restore_button, Qt.MouseButton.LeftButton)
    wait_sessions(qtbot, window)

    assert np.array_equal(document_pixels(window), pixels(coffee_path))
    assert np.array_equal(window.document.mask.coverage, painted)
    assert window.generation.panel.options().prompt == PROMPT
    generation = window.generation
    assert generation.tabs.currentIndex() == VARIANTS_TAB
    page = generation.variants.current_page()
    assert page is not None and page.run_key == run_id
    variant = generation.history.get(run_id).variants[0]
    qtbot.waitUntil(lambda: page.tile(0).current_image() is not None, timeout=10000)
    assert page.tile(0).current_data() == variant.read_bytes()
    assert window.sessions.unseen.ids == ()  # shown now
    assert not bar.isVisible() and Recovery().pending() == []
