"""Helpers for the session tests: a soft painted mask, panel choices, waiting for jobs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from maskpaint.core.imageio import open_image
from maskpaint.core.mask import Box
from maskpaint.gui.main_window import MainWindow

PROMPT = "a paper boat floating in the cup"


def paint_soft_mask(window: MainWindow) -> np.ndarray:
    """An ellipse with a feathered edge (values 1..254 too), as two undo steps; its copy."""
    document = window.document
    box = Box(document.width // 4, document.height // 4, document.width // 3, document.height // 3)
    document.apply(lambda mask: mask.fill_ellipse(box), "Ellipse")
    document.apply(lambda mask: mask.feather(5), "Feather")
    coverage = document.mask.coverage.copy()
    assert ((coverage > 0) & (coverage < 255)).any(), "the test needs soft values"
    return coverage


def choose(window: MainWindow, prompt: str = PROMPT, **options: object) -> None:
    panel = window.generation.panel
    panel.set_options(dataclasses.replace(panel.options(), prompt=prompt, **options))


def add_reference(qtbot, window: MainWindow, path: Path) -> None:
    panel = window.generation.panel
    panel.references.set_paths([str(path)])
    qtbot.waitUntil(lambda: panel.references.loading == 0, timeout=10000)
    assert [ref.data for ref in panel.reference_files()] == [path.read_bytes()]


def wait_sessions(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.sessions.busy, timeout=20000)


def pixels(source: Path | bytes) -> np.ndarray:
    return np.asarray(open_image(source).image)


def document_pixels(window: MainWindow) -> np.ndarray:
    return np.asarray(window.document.image)
