"""Every keyboard shortcut of the canvas window does its job (real key events)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from maskpaint.gui.tools import ToolKind
from tests.gui.helpers import drag, view_point

NO = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
K = Qt.Key


def test_b_e_m_l_pick_tools_and_x_swaps_paint_and_erase(qtbot, window):
    canvas, tools = window.canvas, window.tools
    qtbot.keyClick(canvas, K.Key_E)
    assert (tools.kind, tools.erase) == (ToolKind.BRUSH, True)
    assert window.commands.eraser.isChecked()
    qtbot.keyClick(canvas, K.Key_X)
    assert not tools.erase and window.commands.brush.isChecked()
    qtbot.keyClick(canvas, K.Key_X)
    assert tools.erase
    qtbot.keyClick(canvas, K.Key_B)
    assert (tools.kind, tools.erase) == (ToolKind.BRUSH, False)
    qtbot.keyClick(canvas, K.Key_M)
    assert tools.kind is ToolKind.RECTANGLE and window.commands.rectangle.isChecked()
    qtbot.keyClick(canvas, K.Key_L)
    assert tools.kind is ToolKind.LASSO and window.commands.lasso.isChecked()


def test_brackets_change_the_brush_size(qtbot, window):
    canvas, tools = window.canvas, window.tools
    qtbot.keyClick(canvas, K.Key_BracketRight)
    assert tools.size == 22
    qtbot.keyClick(canvas, K.Key_BracketLeft)
    qtbot.keyClick(canvas, K.Key_BracketLeft)
    assert tools.size == 18
    assert window.commands.size_box.value() == 18


@pytest.mark.parametrize(
    ("softer", "harder"),
    [
        ((K.Key_BracketLeft, SHIFT), (K.Key_BracketRight, SHIFT)),
        ((K.Key_BraceLeft, SHIFT), (K.Key_BraceRight, SHIFT)),  # US layout: Shift+[ is "{"
        ((K.Key_BraceLeft, NO), (K.Key_BraceRight, NO)),
    ],
)
def test_shift_brackets_change_the_hardness_on_every_layout(qtbot, window, softer, harder):
    canvas, tools = window.canvas, window.tools
    qtbot.keyClick(canvas, softer[0], softer[1])
    qtbot.keyClick(canvas, softer[0], softer[1])
    assert tools.hardness == pytest.approx(0.8)
    assert tools.size == 20  # size untouched
    qtbot.keyClick(canvas, harder[0], harder[1])
    assert tools.hardness == pytest.approx(0.9)
    assert window.commands.hardness_box.value() == 90


def test_ctrl_d_clears_and_ctrl_shift_i_inverts_each_as_one_step(qtbot, window):
    canvas, mask = window.canvas, window.document.mask
    drag(qtbot, canvas, [view_point(canvas, 100, 100), view_point(canvas, 200, 100)])
    painted = mask.coverage.copy()
    qtbot.keyClick(canvas, K.Key_I, CTRL | SHIFT)
    assert np.array_equal(mask.coverage, 255 - painted)
    qtbot.keyClick(canvas, K.Key_D, CTRL)
    assert not mask.coverage.any()
    assert window.document.undo_stack.count() == 3
    qtbot.keyClick(canvas, K.Key_Z, CTRL)
    assert np.array_equal(mask.coverage, 255 - painted)


def test_ctrl_z_undoes_and_ctrl_shift_z_and_ctrl_y_redo(qtbot, window):
    canvas, mask = window.canvas, window.document.mask
    drag(qtbot, canvas, [view_point(canvas, 100, 100), view_point(canvas, 200, 150)])
    painted = mask.coverage.copy()
    qtbot.keyClick(canvas, K.Key_Z, CTRL)
    assert not mask.coverage.any()
    qtbot.keyClick(canvas, K.Key_Z, CTRL | SHIFT)
    assert np.array_equal(mask.coverage, painted)
    qtbot.keyClick(canvas, K.Key_Z, CTRL)
    qtbot.keyClick(canvas, K.Key_Y, CTRL)
    assert np.array_equal(mask.coverage, painted)


def test_zoom_shortcuts_fit_100_percent_in_and_out(qtbot, window):
    canvas = window.canvas
    qtbot.keyClick(canvas, K.Key_Plus, CTRL)
    assert canvas.zoom == 1.5
    qtbot.keyClick(canvas, K.Key_Equal, CTRL)
    assert canvas.zoom == 2.0
    qtbot.keyClick(canvas, K.Key_Minus, CTRL)
    qtbot.keyClick(canvas, K.Key_Minus, CTRL)
    qtbot.keyClick(canvas, K.Key_Minus, CTRL)
    assert canvas.zoom == pytest.approx(2 / 3)
    qtbot.keyClick(canvas, K.Key_1, CTRL)
    assert canvas.zoom == 1.0
    qtbot.keyClick(canvas, K.Key_0, CTRL)
    view = canvas.viewport().size()
    assert canvas.zoom == pytest.approx(min(view.width() / 600, view.height() / 400))
    assert window.status.zoom.text() == f"{canvas.zoom * 100:.4g} %"


def test_h_hides_the_mask_overlay_and_shift_h_shows_the_mask_only(qtbot, window):
    canvas = window.canvas
    qtbot.keyClick(canvas, K.Key_H)
    assert not canvas.overlay.visible and window.commands.hide_mask.isChecked()
    qtbot.keyClick(canvas, K.Key_H)
    assert canvas.overlay.visible
    qtbot.keyClick(canvas, K.Key_H, SHIFT)
    assert canvas.overlay.mask_only
