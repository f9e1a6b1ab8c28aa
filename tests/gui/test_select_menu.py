"""Select menu: grow, shrink and feather by N px; background jobs, Esc, painting meanwhile."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog

import maskpaint.gui.selector as selector_module
from maskpaint.core.mask import Box, Mask
from maskpaint.core.select import subject_in_rect
from maskpaint.gui.selector import Task
from maskpaint.gui.tools import ToolKind
from tests.gui.helpers import drag, view_point
from tests.gui.select_helpers import disc_photo, open_window, two_colour_photo

K = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(qtbot, tmp_path):
    win = open_window(qtbot, tmp_path, two_colour_photo())
    win.document.apply(lambda mask: mask.fill_rect(Box(60, 40, 120, 100)), "Rectangle")
    win.document.apply(lambda mask: mask.fill_rect(Box(130, 20, 135, 25)), "Rectangle")
    return win


def menu_action(window, text: str):
    """The Select menu's entry whose text starts with `text` (mnemonic ampersands ignored)."""
    for action in window.selection.menu.actions():
        if action.text().replace("&", "").startswith(text):
            return action
    raise AssertionError(f"no {text!r} in the Select menu")


def answer_dialog(qtbot, value: int | None, seen: list[int]) -> None:
    """When the pixel prompt opens, note the value it offers, then type `value` (None: Cancel)."""

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog)
        seen.append(dialog.intValue())
        if value is None:
            dialog.reject()
        else:
            dialog.setIntValue(value)
            dialog.accept()

    QTimer.singleShot(0, answer)


def reshape_via_menu(qtbot, window, text: str, px: int | None, seen: list[int]) -> None:
    """Pick `text` in the Select menu and answer its prompt; back in the window afterwards."""
    answer_dialog(qtbot, px, seen)
    if px is None:
        menu_action(window, text).trigger()
    else:
        with qtbot.waitSignal(window.selection.selector.settled, timeout=10_000):
            menu_action(window, text).trigger()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def expected(before: np.ndarray, method: str, px: int) -> np.ndarray:
    """What the core makes of `before`: the GUI must change the mask exactly so."""
    mask = Mask(before.shape[1], before.shape[0], before)
    getattr(mask, method)(px)
    return mask.coverage


@pytest.mark.parametrize(
    ("text", "method", "px"),
    [("Grow", "grow", 5), ("Shrink", "shrink", 3), ("Feather", "feather", 6)],
)
def test_menu_reshapes_the_mask_as_the_core_does_and_undo_restores(qtbot, window, text, method, px):
    before = window.document.mask.coverage.copy()
    reshape_via_menu(qtbot, window, text, px, [])
    after = window.document.mask.coverage
    assert np.array_equal(after, expected(before, method, px))
    assert not np.array_equal(after, before)
    assert window.document.undo_stack.text(window.document.undo_stack.index() - 1) == text
    qtbot.keyClick(window.canvas, K.Key_Z, CTRL)
    assert np.array_equal(window.document.mask.coverage, before)


def test_the_pixel_prompt_remembers_the_last_n_per_command(qtbot, window):
    seen: list[int] = []
    reshape_via_menu(qtbot, window, "Grow", 7, seen)
    reshape_via_menu(qtbot, window, "Feather", 2, seen)
    reshape_via_menu(qtbot, window, "Grow", None, seen)
    reshape_via_menu(qtbot, window, "Feather", None, seen)
    assert seen[2:] == [7, 2]


def test_cancelling_the_pixel_prompt_changes_nothing(qtbot, window):
    before = window.document.mask.coverage.copy()
    count = window.document.undo_stack.count()
    reshape_via_menu(qtbot, window, "Shrink", None, [])
    assert np.array_equal(window.document.mask.coverage, before)
    assert window.document.undo_stack.count() == count


def test_big_photos_grow_in_the_background_as_one_undo_step(qtbot, window, monkeypatch):
    monkeypatch.setattr(selector_module, "INLINE_MAX_PIXELS", 0)  # this photo counts as big
    before = window.document.mask.coverage.copy()
    answer_dialog(qtbot, 4, [])
    with qtbot.waitSignal(window.selection.selector.settled, timeout=10_000):
        menu_action(window, "Grow").trigger()
        assert window.selection.busy_bar.isVisible()
        assert np.array_equal(window.document.mask.coverage, before)  # not yet applied
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert np.array_equal(window.document.mask.coverage, expected(before, "grow", 4))
    qtbot.keyClick(window.canvas, K.Key_Z, CTRL)
    assert np.array_equal(window.document.mask.coverage, before)


def test_a_background_job_does_not_block_painting_and_keeps_the_strokes(qtbot, window):
    """Paint while a grow waits in the worker: the stroke lands at once, and the grow,
    finding the mask changed, runs again on it, so the result is grow(mask with stroke)."""
    gate = threading.Event()
    selector = window.selection.selector

    def gated_grow(mask: Mask):
        gate.wait(10)
        return mask.grow(2)

    selector.submit(Task("Grow", "Grow…", gated_grow))
    assert selector.busy
    qtbot.keyClick(window.canvas, K.Key_B)
    window.tools.set_size(10)
    stroke = [view_point(window.canvas, 20, 140), view_point(window.canvas, 190, 140)]
    drag(qtbot, window.canvas, stroke)
    painted = window.document.mask.coverage.copy()
    assert painted[140, 100] == 255  # painted while the job was still running
    assert selector.busy
    with qtbot.waitSignal(selector.settled, timeout=10_000):
        gate.set()
    assert np.array_equal(window.document.mask.coverage, expected(painted, "grow", 2))
    qtbot.keyClick(window.canvas, K.Key_Z, CTRL)
    assert np.array_equal(window.document.mask.coverage, painted)


def test_esc_cancels_select_subject_and_discards_its_result(qtbot, tmp_path, monkeypatch):
    gate = threading.Event()

    def gated_subject(image, box):
        gate.wait(10)
        return subject_in_rect(image, box)

    monkeypatch.setattr(selector_module, "subject_in_rect", gated_subject)
    rgb, _disc = disc_photo()
    window = open_window(qtbot, tmp_path, rgb)
    selection = window.selection
    qtbot.keyClick(window.canvas, K.Key_Q)
    assert window.tools.kind is ToolKind.SUBJECT
    drag(
        qtbot,
        window.canvas,
        [view_point(window.canvas, 52, 27), view_point(window.canvas, 148, 123)],
    )
    job = selection.selector._job
    assert job is not None and selection.busy_bar.isVisible()
    qtbot.keyClick(window.canvas, K.Key_Escape)
    assert not selection.busy_bar.isVisible() and not selection.cancel.isEnabled()
    gate.set()
    qtbot.waitUntil(lambda: job.done, timeout=10_000)
    QApplication.processEvents()
    assert not window.document.mask.coverage.any()
    assert window.document.undo_stack.count() == 0


def test_opening_another_photo_drops_a_running_selection(qtbot, tmp_path, monkeypatch, coffee_path):
    gate = threading.Event()

    def gated_subject(image, box):
        gate.wait(10)
        return subject_in_rect(image, box)

    monkeypatch.setattr(selector_module, "subject_in_rect", gated_subject)
    rgb, _disc = disc_photo()
    window = open_window(qtbot, tmp_path, rgb)
    window.selection.selector.select_subject(Box(52, 27, 148, 123), "add")
    job = window.selection.selector._job
    assert window.open_path(coffee_path)
    gate.set()
    qtbot.waitUntil(lambda: job.done, timeout=10_000)
    QApplication.processEvents()
    assert not window.document.mask.coverage.any()
    assert window.document.undo_stack.count() == 0
