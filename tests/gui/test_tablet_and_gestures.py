"""Tablet pens (pressure, eraser end) and trackpad pinch, with constructed Qt events."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QInputDevice, QNativeGestureEvent, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication

from tests.gui.helpers import disc, drag, image_point, view_point

CAPS = QInputDevice.Capability.Position | QInputDevice.Capability.Pressure


def pen(pointer: QPointingDevice.PointerType, system_id: int) -> QPointingDevice:
    return QPointingDevice(
        "test pen", system_id, QInputDevice.DeviceType.Stylus, pointer, CAPS, 1, 2
    )


def tablet(canvas, device, kind: QEvent.Type, pos, pressure: float) -> bool:
    """Send one tablet event to the canvas; True if the canvas accepted it."""
    down = kind != QEvent.Type.TabletRelease
    event = QTabletEvent(
        kind,
        device,
        QPointF(pos),
        QPointF(canvas.viewport().mapToGlobal(pos)),
        pressure,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        Qt.KeyboardModifier.NoModifier,
        Qt.MouseButton.LeftButton if kind != QEvent.Type.TabletMove else Qt.MouseButton.NoButton,
        Qt.MouseButton.LeftButton if down else Qt.MouseButton.NoButton,
    )
    QApplication.sendEvent(canvas.viewport(), event)
    return event.isAccepted()


def pen_dab(canvas, device, x: float, y: float, pressure: float) -> tuple[float, float]:
    pos = view_point(canvas, x, y)
    assert tablet(canvas, device, QEvent.Type.TabletPress, pos, pressure)
    tablet(canvas, device, QEvent.Type.TabletRelease, pos, pressure)
    return image_point(canvas, pos)


def test_pen_pressure_scales_the_brush_size(qtbot, window):
    canvas = window.canvas
    window.tools.set_size(40)
    device = pen(QPointingDevice.PointerType.Pen, 9001)
    center = pen_dab(canvas, device, 150, 150, 0.5)
    coverage = window.document.mask.coverage >= 128
    assert np.array_equal(coverage, disc(coverage.shape, *center, 20 * 0.5))
    full = pen_dab(canvas, device, 400, 150, 1.0)
    coverage = window.document.mask.coverage >= 128
    expected = disc(coverage.shape, *center, 10) | disc(coverage.shape, *full, 20)
    assert np.array_equal(coverage, expected)


def test_pen_eraser_end_erases_even_with_the_brush_selected(qtbot, window):
    canvas = window.canvas
    window.tools.set_size(60)
    drag(qtbot, canvas, [view_point(canvas, 200, 200)])
    painted = window.document.mask.coverage >= 128
    eraser = pen(QPointingDevice.PointerType.Eraser, 9002)
    window.tools.set_size(20)
    center = pen_dab(canvas, eraser, 200, 200, 1.0)
    expected = painted & ~disc(painted.shape, *center, 10)
    assert np.array_equal(window.document.mask.coverage >= 128, expected)
    assert not window.tools.erase  # the tool itself is still the brush


def test_pinch_zooms_around_the_fingers(qtbot, window):
    canvas = window.canvas
    canvas.set_zoom(2.0)
    pos = view_point(canvas, 333, 222)
    before = image_point(canvas, pos)
    device = QPointingDevice.primaryPointingDevice()
    event = QNativeGestureEvent(
        Qt.NativeGestureType.ZoomNativeGesture,
        device,
        2,
        QPointF(pos),
        QPointF(pos),
        QPointF(canvas.viewport().mapToGlobal(pos)),
        0.5,
        QPointF(0, 0),
    )
    QApplication.sendEvent(canvas.viewport(), event)
    assert canvas.zoom == 3.0
    after = image_point(canvas, pos)
    assert abs(after[0] - before[0]) <= 0.5 and abs(after[1] - before[1]) <= 0.5
