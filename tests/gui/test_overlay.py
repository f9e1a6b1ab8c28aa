"""What the canvas shows is exactly the mask that gets exported and sent."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from tests.gui.helpers import drag, export_mask, image_point, view_point


def qimage_array(image: QImage) -> np.ndarray:
    """(h, w, 4) RGBA copy of a QImage."""
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(rgba.constBits(), np.uint8, rgba.sizeInBytes())
    stride = rgba.bytesPerLine()
    rows = data.reshape(rgba.height(), stride)
    return rows[:, : rgba.width() * 4].reshape(rgba.height(), rgba.width(), 4).copy()


def paint_something(qtbot, window) -> None:
    canvas = window.canvas
    window.tools.set_size(30)
    drag(qtbot, canvas, [view_point(canvas, 80, 90), view_point(canvas, 400, 300)])
    window.tools.set_hardness(0.3)  # a soft edge: coverage between 0 and 255 near the rim
    drag(qtbot, canvas, [view_point(canvas, 500, 50), view_point(canvas, 520, 350)])


def test_exported_mask_equals_the_overlay_shown(qtbot, window, tmp_path):
    paint_something(qtbot, window)
    path = tmp_path / "mask.png"
    assert export_mask(qtbot, window, path)
    exported = np.asarray(Image.open(io.BytesIO(path.read_bytes())).convert("RGBA"))
    sent = exported[..., 3] == 0
    assert np.array_equal(sent, window.document.mask.binary())
    overlay = qimage_array(window.canvas.overlay.image)
    shown = overlay[..., 3] > 0
    assert np.array_equal(shown, sent)
    assert sent.sum() > 10_000


def test_screen_pixels_carry_the_overlay_colour_exactly_where_painted(qtbot, window):
    canvas = window.canvas
    canvas.overlay.set_color(QColor(0, 255, 0))
    canvas.overlay.set_opacity(1.0)
    canvas.set_zoom(4.0, canvas.to_view(100, 100))
    drag(qtbot, canvas, [view_point(canvas, 100, 100)])
    screen = qimage_array(canvas.viewport().grab().toImage())
    mask = window.document.mask.binary()
    green = (screen[..., 0] == 0) & (screen[..., 1] == 255) & (screen[..., 2] == 0)
    checked = 0
    for y in range(90, 111):
        for x in range(90, 111):
            center = view_point(canvas, x + 0.5, y + 0.5)
            assert green[center.y(), center.x()] == mask[y, x], (x, y)
            checked += 1
    assert checked == 441 and mask[90:111, 90:111].any() and not mask[90:111, 90:111].all()


def test_overlay_colour_and_opacity_persist_in_settings(qtbot, window, maskpaint_home):
    overlay = window.canvas.overlay
    overlay.set_color(QColor("#00a0ff"))
    window.commands.opacities[-1].trigger()  # 100 %
    assert overlay.opacity == 1.0
    from maskpaint.gui.overlay import MaskOverlay

    fresh = MaskOverlay()
    assert fresh.color.name() == "#00a0ff" and fresh.opacity == 1.0
    assert (maskpaint_home / "gui.ini").exists()


def test_mask_only_view_shows_white_where_edited_and_black_elsewhere(qtbot, window):
    canvas = window.canvas
    drag(qtbot, canvas, [view_point(canvas, 300, 200)])
    window.commands.mask_only.trigger()
    screen = qimage_array(canvas.viewport().grab().toImage())
    inside, outside = view_point(canvas, 300, 200), view_point(canvas, 100, 100)
    assert tuple(screen[inside.y(), inside.x(), :3]) == (255, 255, 255)
    assert tuple(screen[outside.y(), outside.x(), :3]) == (0, 0, 0)


def test_hidden_mask_shows_the_untouched_photo(qtbot, window):
    canvas = window.canvas
    pos = view_point(canvas, 300.5, 200.5)
    drag(qtbot, canvas, [pos])
    window.commands.hide_mask.trigger()
    screen = qimage_array(canvas.viewport().grab().toImage())
    x, y = image_point(canvas, pos)
    assert window.document.mask.binary()[int(y), int(x)]
    photo = window.document.image.getpixel((int(x), int(y)))
    assert tuple(screen[pos.y(), pos.x(), :3]) == tuple(photo[:3])


def test_brush_outline_shows_the_true_radius_at_the_zoom(qtbot, window):
    canvas = window.canvas
    window.tools.set_size(10)  # radius 5 image px
    canvas.set_zoom(4.0)  # 20 screen px
    center = view_point(canvas, 300, 200)
    qtbot.mouseMove(canvas.viewport(), center)
    with_outline = qimage_array(canvas.viewport().grab().toImage())
    QApplication.sendEvent(canvas.viewport(), QEvent(QEvent.Type.Leave))
    without = qimage_array(canvas.viewport().grab().toImage())
    ys, xs = np.nonzero((with_outline != without).any(axis=2))
    distances = np.hypot(xs + 0.5 - center.x(), ys + 0.5 - center.y())
    assert len(distances) > 100
    assert distances.min() >= 20 - 1.5 and distances.max() <= 20 + 2.5
