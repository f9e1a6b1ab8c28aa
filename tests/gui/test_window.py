"""Opening photos and mask files: dialogs' back ends, drop, paste, recent files, status bar."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication

from maskpaint.gui.main_window import MainWindow
from tests.gui.helpers import drag, export_mask, view_point


def save_png(path: Path, array: np.ndarray, mode: str) -> Path:
    Image.fromarray(array, mode).save(path)
    return path


def test_title_shows_the_file_name_and_a_modified_mark(qtbot, window, tmp_path):
    assert window.windowTitle() == f"{window.document.path.name}[*] — maskpaint"
    assert not window.isWindowModified()
    drag(qtbot, window.canvas, [view_point(window.canvas, 100, 100)])
    assert window.isWindowModified()
    export_mask(qtbot, window, tmp_path / "m.png")
    assert not window.isWindowModified()


def test_opening_a_photo_replaces_the_document_and_is_remembered(qtbot, window, tmp_path):
    other = tmp_path / "other.jpg"
    Image.new("RGB", (320, 240), (10, 120, 200)).save(other)
    drag(qtbot, window.canvas, [view_point(window.canvas, 100, 100)])
    assert window.open_path(other)
    assert window.document.mask.coverage.shape == (window.document.height, window.document.width)
    assert not window.document.mask.coverage.any()
    assert window.document.undo_stack.count() == 0
    assert window.status.image_size.text() == "320 × 240"
    assert window.recent_files()[0] == str(other.resolve())
    assert window.windowTitle() == f"{other.name}[*] — maskpaint"


def test_a_bad_file_shows_the_message_and_keeps_the_current_document(qtbot, window, tmp_path):
    name = window.document.path.name
    drag(qtbot, window.canvas, [view_point(window.canvas, 100, 100)])
    painted = window.document.mask.coverage.copy()
    bad = tmp_path / "notes.png"
    bad.write_text("this is not a picture")
    assert not window.open_path(bad)
    assert window.banner.isVisible() and window.banner.text()
    assert "Traceback" not in window.banner.text()
    assert window.document.path.name == name
    assert np.array_equal(window.document.mask.coverage, painted)
    assert str(bad.resolve()) not in window.recent_files()


def test_dropping_a_file_opens_it(qtbot, window, tmp_path):
    path = save_png(tmp_path / "dropped.png", np.full((30, 40, 3), 200, np.uint8), "RGB")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(
        QPoint(50, 50), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(50, 50), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(window, drop)
    assert (window.document.width, window.document.height) == (40, 30)
    assert window.windowTitle().startswith("dropped.png")


def test_ctrl_v_pastes_an_image_from_the_clipboard(qtbot, window):
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(0xFF3366CC)
    QApplication.clipboard().setImage(image)
    qtbot.keyClick(window.canvas, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert (window.document.width, window.document.height) == (64, 48)
    assert window.document.image.getpixel((10, 10))[:3] == (0x33, 0x66, 0xCC)
    assert window.windowTitle().startswith("Pasted image")


def test_export_writes_the_api_png_with_alpha_zero_where_painted(qtbot, window, tmp_path):
    drag(
        qtbot,
        window.canvas,
        [view_point(window.canvas, 100, 100), view_point(window.canvas, 300, 200)],
    )
    path = tmp_path / "out.png"
    assert export_mask(qtbot, window, path)
    exported = Image.open(io.BytesIO(path.read_bytes()))
    assert exported.size == (600, 400) and "A" in exported.getbands()
    alpha = np.asarray(exported.convert("RGBA"))[..., 3]
    assert np.array_equal(alpha == 0, window.document.mask.binary())


def test_export_to_an_unwritable_place_says_so(qtbot, window, tmp_path):
    assert not export_mask(qtbot, window, tmp_path / "missing-folder" / "m.png")
    assert "m.png" in window.banner.text()


def test_import_mask_of_the_same_size_is_one_undo_step(qtbot, window, tmp_path):
    array = np.zeros((400, 600), np.uint8)
    array[50:150, 200:400] = 255
    path = save_png(tmp_path / "mask.png", array, "L")
    assert window.import_mask_from(path)
    assert np.array_equal(window.document.mask.binary(), array >= 128)
    window.document.undo_stack.undo()
    assert not window.document.mask.coverage.any()


def test_import_mask_of_another_size_is_resized_when_accepted(qtbot, window, tmp_path):
    array = np.zeros((200, 300), np.uint8)
    array[:, :150] = 255
    path = save_png(tmp_path / "half.png", array, "L")
    assert not window.import_mask_from(path, resize=False)
    assert window.import_mask_from(path, resize=True)
    binary = window.document.mask.binary()
    assert binary[:, :290].all() and not binary[:, 310:].any()


def test_command_line_mask_is_loaded_onto_the_photo(qtbot, coffee_path, tmp_path):
    array = np.zeros((400, 600), np.uint8)
    array[10:20, 30:40] = 255
    mask_path = save_png(tmp_path / "cli-mask.png", array, "L")
    win = MainWindow(coffee_path, mask_path)
    qtbot.addWidget(win)
    assert np.array_equal(win.document.mask.binary(), array >= 128)


def test_status_bar_shows_size_zoom_brush_edited_area_and_pixel(qtbot, window):
    canvas, status = window.canvas, window.status
    assert status.image_size.text() == "600 × 400"
    assert status.zoom.text() == "100 %"
    assert status.brush.text() == "Brush · 20 px · hardness 100 %"
    window.tools.set_size(100)
    drag(qtbot, canvas, [view_point(canvas, 300, 200)])
    fraction = window.document.mask.binary().mean() * 100
    qtbot.waitUntil(lambda: status.edited.text() == f"Edited {fraction:.1f} %")
    qtbot.mouseMove(canvas.viewport(), view_point(canvas, 12.25, 34.25))
    r, g, b = window.document.image.getpixel((12, 34))[:3]
    assert status.pixel.text() == f"x 12  y 34 · {r} {g} {b} · mask 0"


def test_history_dock_lists_each_step(qtbot, window):
    drag(qtbot, window.canvas, [view_point(window.canvas, 100, 100)])
    window.invert_mask()
    window.history_dock.toggleViewAction().trigger()
    assert window.history_dock.isVisible()
    stack = window.document.undo_stack
    assert [stack.text(i) for i in range(stack.count())] == ["Paint", "Invert mask"]


def test_export_writes_the_mask_of_the_moment_while_painting_goes_on(qtbot, window, tmp_path):
    drag(qtbot, window.canvas, [view_point(window.canvas, 100, 100)])
    at_export = window.document.mask.binary().copy()
    path = tmp_path / "m.png"
    job = window.export_mask_to(path)  # encoded in the background
    drag(qtbot, window.canvas, [view_point(window.canvas, 300, 300)])
    qtbot.waitUntil(lambda: job.done, timeout=20000)
    alpha = np.asarray(Image.open(path).convert("RGBA"))[..., 3]
    assert np.array_equal(alpha == 0, at_export)
    assert not np.array_equal(at_export, window.document.mask.binary())
    assert window.isWindowModified()  # the later stroke is not in the file
