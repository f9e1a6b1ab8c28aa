"""Geometry oracles and input helpers shared by the GUI tests."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication

from maskpaint.gui.canvas import Canvas


def disc(shape: tuple[int, int], cx: float, cy: float, radius: float) -> np.ndarray:
    """Pixels whose centre lies within `radius` of (cx, cy): what a hard dab covers."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]]
    return (xs + 0.5 - cx) ** 2 + (ys + 0.5 - cy) ** 2 <= radius**2


def capsule(
    shape: tuple[int, int], a: tuple[float, float], b: tuple[float, float], radius: float
) -> np.ndarray:
    """Pixels whose centre lies within `radius` of the segment a-b: a hard straight stroke."""
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]]
    px, py = xs + 0.5 - a[0], ys + 0.5 - a[1]
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = np.clip((px * dx + py * dy) / length2, 0.0, 1.0) if length2 else np.zeros_like(px)
    return (px - t * dx) ** 2 + (py - t * dy) ** 2 <= radius**2


def view_point(canvas: Canvas, x: float, y: float) -> QPoint:
    """The viewport pixel nearest to image point (x, y)."""
    return canvas.to_view(x, y).toPoint()


def image_point(canvas: Canvas, pos: QPoint) -> tuple[float, float]:
    return canvas.to_image(QPointF(pos))


def drag(
    qtbot,
    canvas: Canvas,
    points: list[QPoint],
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
    button: Qt.MouseButton = Qt.MouseButton.LeftButton,
) -> None:
    """Press at the first point, move through the rest, release at the last.

    QTest (Qt 6) carries the held button in its move events, so qtbot.mouseMove is a real
    drag here; the canvas also follows a gesture from press to release regardless.
    """
    viewport = canvas.viewport()
    qtbot.mousePress(viewport, button, modifiers, points[0])
    for point in points[1:]:
        qtbot.mouseMove(viewport, point)
    qtbot.mouseRelease(viewport, button, modifiers, points[-1])


def export_mask(qtbot, window, path) -> bool:
    """File › Export mask… to `path`, waiting for the background encode; True if written."""
    job = window.export_mask_to(path)
    qtbot.waitUntil(lambda: job.done, timeout=20000)
    return path.exists()


def settle_variants(qtbot, view) -> None:
    """Wait for the variants view's off-thread decodes and saves, then for their repaint."""
    qtbot.waitUntil(lambda: not view.busy(), timeout=5000)
    QApplication.processEvents()
