"""The real app under a real X server: paint with xdotool, screenshot, look at the pixels.

The app runs in a subprocess on the xcb platform; xdotool sends true X pointer events, and
the window's pixels are read back from the X server (tests/gui/xgrab.py). The screenshot
is kept in $MASKPAINT_SCREENSHOT_DIR (or the test's tmp folder) for a human to look at.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.gui.xgrab import grab

#: Where the stroke goes, in window coordinates: across the middle, over the fitted photo.
STROKE_Y = 380
STROKE_X = range(450, 651, 20)
#: Default overlay: (255, 40, 40) at 50 % opacity, premultiplied alpha 128.
OVERLAY = np.array([255, 40, 40]) * 128 / 255
KEEP = 1 - 128 / 255


def xdotool(display: str, *args: str) -> str:
    result = subprocess.run(
        ["xdotool", *args],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.strip()


screenshot = grab


def wait_for(condition, what: str, seconds: float = 20.0):
    """Poll until `condition()` is truthy (the app draws asynchronously); fail after a while."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value is not None:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.xvfb
def test_real_window_under_xvfb_shows_the_painted_mask(xvfb_display, coffee_path, tmp_path):
    out_dir = Path(os.environ.get("MASKPAINT_SCREENSHOT_DIR") or tmp_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "xcb",
        "DISPLAY": xvfb_display,
        "MASKPAINT_HOME": str(tmp_path / "home"),
    }
    app = subprocess.Popen([sys.executable, "-m", "maskpaint", str(coffee_path)], env=env)
    try:
        title = f"^{coffee_path.name}"

        def find_window() -> str | None:
            try:
                found = xdotool(xvfb_display, "search", "--onlyvisible", "--name", title)
            except subprocess.CalledProcessError:  # nothing found yet
                return None
            return found.splitlines()[0] if found else None

        window = wait_for(find_window, "the maskpaint window")
        xdotool(xvfb_display, "mousemove", "--window", window, "5", "5")
        before_path = tmp_path / "before.png"

        def photo_shown() -> np.ndarray | None:
            shot = screenshot(xvfb_display, window, before_path)
            middle = shot[STROKE_Y, STROKE_X.start : STROKE_X.stop]
            return shot if shot.shape[0] > STROKE_Y + 100 and middle.std() > 5 else None

        before = wait_for(photo_shown, "the photo on screen")
        first, *rest = STROKE_X
        xdotool(xvfb_display, "mousemove", "--window", window, str(first), str(STROKE_Y))
        xdotool(xvfb_display, "mousedown", "1")
        for x in rest:
            xdotool(xvfb_display, "mousemove", "--window", window, str(x), str(STROKE_Y))
        xdotool(xvfb_display, "mouseup", "1")
        after_path = out_dir / "canvas-xvfb-painted.png"
        checked = slice(first + 20, rest[-1] - 60)  # clear of the brush outline at the end

        def painted() -> np.ndarray | None:
            shot = screenshot(xvfb_display, window, after_path)
            changed = np.abs(shot[STROKE_Y, checked] - before[STROKE_Y, checked]).max(axis=1)
            return shot if (changed > 10).all() else None

        after = wait_for(painted, "the painted stroke on screen")
        print(f"screenshot: {after_path}")
        expected = before[STROKE_Y, checked] * KEEP + OVERLAY
        assert np.abs(after[STROKE_Y, checked] - expected).max() <= 3
        # Far above and below the stroke the photo is untouched.
        for y in (STROKE_Y - 120, STROKE_Y + 120):
            assert np.array_equal(after[y, checked], before[y, checked])
    finally:
        app.terminate()
        app.wait(timeout=30)
