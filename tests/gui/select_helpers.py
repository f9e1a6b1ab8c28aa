"""Synthetic photos and a window on them for the smart selection tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from maskpaint.gui.main_window import MainWindow

WIDTH, HEIGHT = 200, 150
ORANGE = (230, 120, 30)
BLUE = (40, 60, 200)


def two_colour_photo() -> np.ndarray:
    """Orange with two blue regions that do not touch: a band on the left, a square on the right."""
    rgb = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    rgb[:] = ORANGE
    rgb[20:130, 10:70] = BLUE
    rgb[40:80, 140:180] = BLUE
    # A near-orange stripe: inside the default tolerance (32) of orange, outside at 8.
    rgb[0:10, :] = (ORANGE[0] - 20, ORANGE[1] + 20, ORANGE[2])
    return rgb


def disc_photo() -> tuple[np.ndarray, np.ndarray]:
    """A green disc on a grey, lightly textured background; returns (rgb, disc as bool)."""
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH]
    disc = (xs + 0.5 - 100) ** 2 + (ys + 0.5 - 75) ** 2 <= 40**2
    rng = np.random.default_rng(6)
    rgb = np.clip(rng.normal(128, 10, (HEIGHT, WIDTH, 3)), 0, 255).astype(np.uint8)
    rgb[disc] = (40, 170, 60)
    return rgb, disc


def open_window(qtbot, tmp_path: Path, rgb: np.ndarray) -> MainWindow:
    """The main window on `rgb` saved as a PNG, at 100 %."""
    path = tmp_path / "photo.png"
    Image.fromarray(rgb).save(path)
    window = MainWindow(path)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()  # shortcuts reach only the active window
    qtbot.waitUntil(window.isActiveWindow)
    window.canvas.actual_size()
    return window
