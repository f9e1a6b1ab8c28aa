"""Magic wand and select subject with real clicks and drags on the canvas."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from maskpaint.gui.tools import ToolKind
from tests.gui.helpers import drag, view_point
from tests.gui.select_helpers import BLUE, ORANGE, disc_photo, open_window, two_colour_photo

K = Qt.Key
ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def photo():
    return two_colour_photo()


@pytest.fixture
def window(qtbot, tmp_path, photo):
    return open_window(qtbot, tmp_path, photo)


def click(qtbot, window, x: float, y: float, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """A click on image pixel (x, y), waiting for the selection it starts to be applied."""
    with qtbot.waitSignal(window.selection.selector.settled, timeout=10_000):
        drag(qtbot, window.canvas, [view_point(window.canvas, x + 0.5, y + 0.5)], modifiers)


def coverage(window) -> np.ndarray:
    return window.document.mask.coverage.copy()


def colour(photo: np.ndarray, rgb: tuple[int, int, int]) -> np.ndarray:
    return np.where((photo == rgb).all(axis=2), np.uint8(255), np.uint8(0))


def test_w_picks_the_magic_wand_with_tolerance_32_and_contiguous_on(qtbot, window):
    qtbot.keyClick(window.canvas, K.Key_W)
    assert window.tools.kind is ToolKind.WAND
    assert window.selection.wand.isChecked()
    assert window.selection.tolerance_box.value() == 32
    assert window.selection.contiguous_box.isChecked()
    assert "Magic wand" in window.status.brush.text()


def test_wand_click_selects_exactly_the_connected_region_of_that_colour(qtbot, window, photo):
    qtbot.keyClick(window.canvas, K.Key_W)
    click(qtbot, window, 30, 60)
    expected = np.zeros_like(window.document.mask.coverage)
    expected[20:130, 10:70] = 255  # the band only: the square on the right is not connected
    assert np.array_equal(coverage(window), expected)
    assert window.document.undo_stack.count() == 1
    assert window.document.undo_stack.text(0) == "Magic wand"


def test_wand_without_contiguous_selects_that_colour_everywhere(qtbot, window, photo):
    qtbot.keyClick(window.canvas, K.Key_W)
    window.selection.contiguous_box.setChecked(False)
    click(qtbot, window, 150, 50)
    assert np.array_equal(coverage(window), colour(photo, BLUE))


def test_wand_tolerance_decides_whether_a_near_colour_joins(qtbot, window, photo):
    qtbot.keyClick(window.canvas, K.Key_W)
    window.selection.tolerance_box.setValue(8)
    click(qtbot, window, 100, 100)
    assert np.array_equal(coverage(window), colour(photo, ORANGE))  # the stripe stays out
    window.document.apply(lambda mask: mask.clear(), "Clear mask")
    window.selection.tolerance_box.setValue(32)
    click(qtbot, window, 100, 100)
    assert np.array_equal(coverage(window), 255 - colour(photo, BLUE))  # stripe within 32


def test_shift_click_adds_and_alt_click_subtracts(qtbot, window, photo):
    qtbot.keyClick(window.canvas, K.Key_W)
    window.selection.contiguous_box.setChecked(False)
    click(qtbot, window, 30, 60)  # every blue pixel
    window.selection.contiguous_box.setChecked(True)
    click(qtbot, window, 150, 50, ALT)  # minus the square
    band = np.zeros_like(window.document.mask.coverage)
    band[20:130, 10:70] = 255
    assert np.array_equal(coverage(window), band)
    click(qtbot, window, 150, 50, SHIFT)  # the square again
    assert np.array_equal(coverage(window), colour(photo, BLUE))


def test_undo_and_redo_restore_the_exact_arrays_around_each_wand_click(qtbot, window):
    qtbot.keyClick(window.canvas, K.Key_W)
    states = [coverage(window)]
    for x, y, modifiers in ((30, 60, SHIFT), (100, 100, SHIFT), (40, 100, ALT)):
        click(qtbot, window, x, y, modifiers)
        states.append(coverage(window))
    assert len({s.tobytes() for s in states}) == 4  # every click changed the mask
    for state in reversed(states[:-1]):
        qtbot.keyClick(window.canvas, K.Key_Z, CTRL)
        assert np.array_equal(coverage(window), state)
    for state in states[1:]:
        qtbot.keyClick(window.canvas, K.Key_Y, CTRL)
        assert np.array_equal(coverage(window), state)


def test_the_overlay_shows_exactly_the_wand_selection(qtbot, window):
    qtbot.keyClick(window.canvas, K.Key_W)
    click(qtbot, window, 30, 60)
    image = window.canvas.overlay.image
    argb = np.frombuffer(image.constBits(), np.uint32).reshape(image.height(), image.width())
    assert np.array_equal((argb >> 24) != 0, coverage(window) >= 128)


def test_select_subject_finds_the_disc_after_a_rectangle_drag_and_undoes(qtbot, tmp_path):
    rgb, disc = disc_photo()
    window = open_window(qtbot, tmp_path, rgb)
    canvas = window.canvas
    qtbot.keyClick(canvas, K.Key_Q)
    assert window.tools.kind is ToolKind.SUBJECT and window.selection.subject.isChecked()
    corners = [view_point(canvas, 52, 27), view_point(canvas, 100, 70)]
    corners.append(view_point(canvas, 148, 123))
    with qtbot.waitSignal(window.selection.selector.settled, timeout=20_000):
        drag(qtbot, canvas, corners)
        assert window.selection.busy_bar.isVisible()  # busy while GrabCut runs
        assert "subject" in window.selection.busy_label.text()
    assert not window.selection.busy_bar.isVisible()
    found = coverage(window) >= 128
    iou = (found & disc).sum() / (found | disc).sum()
    assert iou > 0.9
    assert window.document.undo_stack.text(0) == "Select subject"
    qtbot.keyClick(canvas, K.Key_Z, CTRL)
    assert not coverage(window).any()


def test_alt_drag_with_select_subject_cuts_the_subject_out(qtbot, tmp_path):
    rgb, disc = disc_photo()
    window = open_window(qtbot, tmp_path, rgb)
    window.document.apply(lambda mask: mask.invert(), "Invert mask")  # everything selected
    qtbot.keyClick(window.canvas, K.Key_Q)
    corners = [view_point(window.canvas, 52, 27), view_point(window.canvas, 148, 123)]
    with qtbot.waitSignal(window.selection.selector.settled, timeout=20_000):
        drag(qtbot, window.canvas, corners, ALT)
    kept = coverage(window) < 128
    iou = (kept & disc).sum() / (kept | disc).sum()
    assert iou > 0.9


def test_a_too_small_subject_rectangle_says_what_to_do(qtbot, window):
    qtbot.keyClick(window.canvas, K.Key_Q)
    points = [view_point(window.canvas, 50, 50), view_point(window.canvas, 51.5, 51.5)]
    with qtbot.waitSignal(window.selection.selector.settled, timeout=10_000):
        drag(qtbot, window.canvas, points)
    assert "too small" in window.banner.text()
    assert not coverage(window).any()
    assert window.document.undo_stack.count() == 0
