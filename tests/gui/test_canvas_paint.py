"""Painting on the canvas with real mouse events changes exactly the pixels under the brush."""

from __future__ import annotations

import itertools
import math

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from maskpaint.core.mask import Brush, Mask
from tests.gui.helpers import capsule, disc, drag, image_point, view_point


def assert_stroke(window, points: list[QPoint], radius: float) -> None:
    """The mask holds exactly the stroke through the image points under `points`.

    Two oracles: the brush geometry (every pixel whose centre is within radius - 0.5 of
    the path is painted, none beyond radius: dabs are spaced so scallops stay under half
    a pixel), and an exact replay of the same image points through core's Stroke.
    """
    canvas = window.canvas
    shape = canvas.document.mask.coverage.shape
    image_points = [image_point(canvas, p) for p in points]
    outer = disc(shape, *image_points[0], radius)
    inner = disc(shape, *image_points[0], radius - 0.5)
    for a, b in itertools.pairwise(image_points):
        outer |= capsule(shape, a, b, radius)
        inner |= capsule(shape, a, b, radius - 0.5)
    got = painted(window)
    assert not (got & ~outer).any(), "painted outside the brush outline"
    assert not (inner & ~got).any(), "left a hole under the brush"
    replay = Mask(shape[1], shape[0])
    stroke = replay.stroke(Brush(radius))
    for x, y in image_points:
        stroke.add_point(x, y)
    assert np.array_equal(got, replay.binary())


def painted(window) -> np.ndarray:
    return window.document.mask.coverage >= 128


def test_click_paints_the_disc_under_the_cursor_at_100_percent(qtbot, window):
    canvas = window.canvas
    pos = view_point(canvas, 200.5, 150.5)
    drag(qtbot, canvas, [pos])
    x, y = image_point(canvas, pos)
    assert np.array_equal(painted(window), disc((400, 600), x, y, 10))
    assert set(np.unique(window.document.mask.coverage)) == {0, 255}


def test_drag_paints_exactly_the_pixels_under_the_brush_at_100_percent(qtbot, window):
    canvas = window.canvas
    points = [view_point(canvas, 100, 100), view_point(canvas, 180, 130)]
    points.append(view_point(canvas, 260, 90))
    drag(qtbot, canvas, points)
    assert_stroke(window, points, 10)


def test_drag_at_250_percent_after_zooming_on_a_point_paints_under_the_cursor(qtbot, window):
    canvas = window.canvas
    anchor = view_point(canvas, 300, 200)
    before = image_point(canvas, anchor)
    canvas.set_zoom(2.5, QPointF(anchor))
    after = image_point(canvas, anchor)
    # The point under the anchor stays put (within the scroll bars' whole-pixel steps).
    assert abs(after[0] - before[0]) <= 0.5 / 2.5 and abs(after[1] - before[1]) <= 0.5 / 2.5
    points = [anchor, anchor + QPoint(37, 11), anchor + QPoint(61, 45)]
    drag(qtbot, canvas, points)
    assert_stroke(window, points, 10)
    assert painted(window)[int(after[1]), int(after[0])]


def test_painting_at_400_percent_changes_only_pixels_inside_the_outline(qtbot, window):
    canvas = window.canvas
    window.tools.set_size(5)
    canvas.set_zoom(4.0, QPointF(view_point(canvas, 50, 60)))
    pos = view_point(canvas, 50.3, 60.8)
    drag(qtbot, canvas, [pos])
    x, y = image_point(canvas, pos)
    expected = disc((400, 600), x, y, 2.5)
    assert np.array_equal(painted(window), expected)
    assert 10 <= expected.sum() <= 30  # a small brush: each pixel matters


def test_wheel_zooms_around_the_cursor(qtbot, window):
    canvas = window.canvas
    canvas.set_zoom(2.0)  # larger than the view: a photo that fits stays centred instead
    pos = view_point(canvas, 420, 310)
    before = image_point(canvas, pos)
    wheel = QWheelEvent(
        QPointF(pos),
        QPointF(canvas.viewport().mapToGlobal(pos)),
        QPoint(0, 0),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas.viewport(), wheel)
    assert canvas.zoom == 2.0 * 1.25**2
    after = image_point(canvas, pos)
    assert abs(after[0] - before[0]) <= 0.5 and abs(after[1] - before[1]) <= 0.5


def test_drag_after_panning_with_space_paints_under_the_cursor(qtbot, window):
    canvas = window.canvas
    canvas.set_zoom(3.0)
    start = canvas.horizontalScrollBar().value(), canvas.verticalScrollBar().value()
    qtbot.keyPress(canvas, Qt.Key.Key_Space)
    drag(qtbot, canvas, [QPoint(400, 300), QPoint(350, 280), QPoint(300, 260)])
    qtbot.keyRelease(canvas, Qt.Key.Key_Space)
    assert (canvas.horizontalScrollBar().value(), canvas.verticalScrollBar().value()) == (
        start[0] + 100,
        start[1] + 40,
    )
    assert not painted(window).any()  # panning does not paint
    points = [QPoint(200, 200), QPoint(260, 240)]
    drag(qtbot, canvas, points)
    assert_stroke(window, points, 10)


def test_middle_button_drag_pans_without_painting(qtbot, window):
    canvas = window.canvas
    canvas.set_zoom(3.0)
    start = canvas.horizontalScrollBar().value(), canvas.verticalScrollBar().value()
    drag(qtbot, canvas, [QPoint(300, 300), QPoint(330, 250)], button=Qt.MouseButton.MiddleButton)
    assert canvas.horizontalScrollBar().value() == start[0] - 30
    assert canvas.verticalScrollBar().value() == start[1] + 50
    assert not painted(window).any()


def test_eraser_removes_the_painted_pixels_under_it(qtbot, window):
    canvas = window.canvas
    window.tools.set_size(40)
    paint = [view_point(canvas, 100, 100), view_point(canvas, 300, 100)]
    drag(qtbot, canvas, paint)
    qtbot.keyClick(canvas, Qt.Key.Key_E)
    window.tools.set_size(10)
    erase = [view_point(canvas, 200, 60), view_point(canvas, 200, 140)]
    drag(qtbot, canvas, erase)
    replay = Mask(600, 400)
    for points, brush in ((paint, Brush(20)), (erase, Brush(5, erase=True))):
        stroke = replay.stroke(brush)
        for pos in points:
            stroke.add_point(*image_point(canvas, pos))
    assert np.array_equal(painted(window), replay.binary())
    a, b = (image_point(canvas, p) for p in erase)
    assert not (painted(window) & capsule((400, 600), a, b, 4.5)).any()


def test_undo_and_redo_restore_the_exact_arrays(qtbot, window):
    canvas = window.canvas
    states = [window.document.mask.coverage.copy()]
    for y in (100, 150, 200):
        drag(qtbot, canvas, [view_point(canvas, 100, y), view_point(canvas, 400, y + 30)])
        states.append(window.document.mask.coverage.copy())
    qtbot.keyClick(canvas, Qt.Key.Key_X)
    drag(qtbot, canvas, [view_point(canvas, 250, 50), view_point(canvas, 250, 300)])
    states.append(window.document.mask.coverage.copy())
    stack = window.document.undo_stack
    assert stack.count() == 4  # one step per stroke
    for expected in reversed(states[:-1]):
        stack.undo()
        assert np.array_equal(window.document.mask.coverage, expected)
    for expected in states[1:]:
        stack.redo()
        assert np.array_equal(window.document.mask.coverage, expected)


def test_shift_click_draws_a_straight_line_from_the_last_point(qtbot, window):
    canvas = window.canvas
    first = view_point(canvas, 120, 120)
    drag(qtbot, canvas, [first])
    second = view_point(canvas, 380, 260)
    drag(qtbot, canvas, [second], modifiers=Qt.KeyboardModifier.ShiftModifier)
    a, b = image_point(canvas, first), image_point(canvas, second)
    got = painted(window)
    assert not (got & ~capsule((400, 600), a, b, 10)).any()
    assert not (capsule((400, 600), a, b, 9.5) & ~got).any()
    assert window.document.undo_stack.count() == 2


def pixel_under(canvas, pos: QPoint) -> tuple[int, int]:
    x, y = image_point(canvas, pos)
    return math.floor(x), math.floor(y)


def test_rectangle_fills_and_alt_subtracts(qtbot, window):
    canvas = window.canvas
    qtbot.keyClick(canvas, Qt.Key.Key_M)
    a, b = view_point(canvas, 50.5, 40.5), view_point(canvas, 250.5, 140.5)
    drag(qtbot, canvas, [a, view_point(canvas, 150, 300), b])
    (left, top), (right, bottom) = pixel_under(canvas, a), pixel_under(canvas, b)
    expected = np.zeros((400, 600), bool)
    expected[top : bottom + 1, left : right + 1] = True  # both corner pixels included
    assert np.array_equal(painted(window), expected)
    c, d = view_point(canvas, 120.5, 200.5), view_point(canvas, 100.5, 60.5)
    drag(qtbot, canvas, [c, d], Qt.KeyboardModifier.AltModifier)
    (right, bottom), (left, top) = pixel_under(canvas, c), pixel_under(canvas, d)
    expected[top : bottom + 1, left : right + 1] = False
    assert np.array_equal(painted(window), expected)
    assert window.document.undo_stack.count() == 2


def test_lasso_fills_the_outline_and_alt_subtracts(qtbot, window):
    canvas = window.canvas
    qtbot.keyClick(canvas, Qt.Key.Key_L)
    corners = [(100, 100), (300, 100), (300, 300), (100, 300)]
    drag(qtbot, canvas, [view_point(canvas, x, y) for x, y in corners])
    inside = painted(window)
    assert inside[110:290, 110:290].all()
    assert not inside[:95].any() and not inside[305:].any()
    assert not inside[:, :95].any() and not inside[:, 305:].any()
    hole = [(150, 150), (250, 150), (250, 250), (150, 250)]
    drag(
        qtbot, canvas, [view_point(canvas, x, y) for x, y in hole], Qt.KeyboardModifier.AltModifier
    )
    after = painted(window)
    assert not after[160:240, 160:240].any()
    assert after[110:140, 110:290].all()
