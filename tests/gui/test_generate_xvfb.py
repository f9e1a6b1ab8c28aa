"""The real app under a real X server: `maskpaint IMAGE --prompt TEXT`, paint, Ctrl+Enter,
variants on screen. The screenshot of the variants view is kept in
$MASKPAINT_SCREENSHOT_DIR (or the test's tmp folder) for a human to look at."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from maskpaint.core.history import History
from maskpaint.core.settings import Settings, SettingsStore
from tests.gui.generation_support import edited_pixels
from tests.gui.test_xvfb import screenshot, wait_for, xdotool

PROMPT = "a slice of lemon on the saucer"
STROKE_Y = 380
STROKE_X = range(300, 461, 20)


@pytest.mark.xvfb
def test_real_app_generates_and_shows_the_variants_under_xvfb(
    xvfb_display, coffee_path, tmp_path, local_server
):
    out_dir = Path(os.environ.get("MASKPAINT_SCREENSHOT_DIR") or tmp_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    home = Path(os.environ["MASKPAINT_HOME"])
    SettingsStore().save(Settings(base_url=local_server.base_url))
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "xcb",
        "DISPLAY": xvfb_display,
        "MASKPAINT_HOME": str(home),
    }
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(name, None)
    command = [sys.executable, "-m", "maskpaint", str(coffee_path), "--prompt", PROMPT]
    app = subprocess.Popen(command, env=env)
    try:
        window = wait_for(lambda: _find(xvfb_display, f"^{coffee_path.name}"), "the window")
        xdotool(xvfb_display, "windowsize", "--sync", window, "1400", "900")
        xdotool(xvfb_display, "mousemove", "--window", window, "5", "5")
        before = wait_for(
            lambda: _photo_shown(xvfb_display, window, tmp_path / "before.png"), "the photo"
        )
        first, *rest = STROKE_X
        xdotool(xvfb_display, "mousemove", "--window", window, str(first), str(STROKE_Y))
        xdotool(xvfb_display, "mousedown", "1")
        for x in rest:
            xdotool(xvfb_display, "mousemove", "--window", window, str(x), str(STROKE_Y))
        xdotool(xvfb_display, "mouseup", "1")
        xdotool(xvfb_display, "windowfocus", "--sync", window)
        xdotool(xvfb_display, "key", "--window", window, "ctrl+Return")

        def finished() -> bool | None:
            with closing(History()) as history:
                runs = history.runs(limit=1)
            return True if runs and runs[0].status == "done" else None

        wait_for(finished, "a finished run in the history folder", seconds=60)
        shot_path = out_dir / "variants-xvfb.png"

        def variants_shown() -> np.ndarray | None:
            shot = screenshot(xvfb_display, window, shot_path)
            changed = np.abs(shot.astype(int) - before.astype(int)).max(axis=2) > 30
            return shot if shot.shape == before.shape and changed.mean() > 0.2 else None

        wait_for(variants_shown, "the variants view on screen")
        print(f"screenshot: {shot_path}")
        with closing(History()) as history:
            record = history.get(history.runs(limit=1)[0].run_id)
        assert record.prompt == PROMPT and len(record.variants) == 1
        assert local_server.received[0].fields["prompt"] == PROMPT
        assert edited_pixels(record.mask.path).any()
        assert record.response is not None
    finally:
        app.terminate()
        app.wait(timeout=30)


def _find(display: str, title: str) -> str | None:
    try:
        found = xdotool(display, "search", "--onlyvisible", "--name", title)
    except subprocess.CalledProcessError:
        return None
    return found.splitlines()[0] if found else None


def _photo_shown(display: str, window: str, path: Path) -> np.ndarray | None:
    shot = screenshot(display, window, path)
    if shot.shape[0] < STROKE_Y + 100:
        return None
    middle = shot[STROKE_Y, STROKE_X.start : STROKE_X.stop]
    return shot if middle.std() > 5 else None
