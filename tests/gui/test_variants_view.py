"""The variants view: tiles, reflow, focus, synchronized zoom/pan, before/after, actions."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeySequence, QWheelEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from maskpaint.core.api_types import EditResult, Variant
from maskpaint.core.history import History
from maskpaint.gui import variants_view
from maskpaint.gui.variant_info import ResultInfo, RunInfo
from maskpaint.gui.variant_page import RunPage
from maskpaint.gui.variant_tile import VariantTile
from maskpaint.gui.variants_view import VariantsView
from tests.gui.helpers import settle_variants as settle
from tests.gui.history_runs import LOCAL_URL, finished_run, request

RED, BLUE, GREEN, GREY = (220, 30, 30), (20, 40, 230), (20, 200, 60), (128, 128, 128)


def png(color: tuple[int, int, int], size: tuple[int, int] = (90, 60), fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def center_color(tile: VariantTile, dx: int = 0) -> tuple[int, int, int]:
    image = tile.canvas.grab().toImage()
    color = image.pixelColor(image.width() // 2 + dx, image.height() // 2)
    return color.red(), color.green(), color.blue()


def start(qtbot, view: VariantsView, n: int = 3, key: str = "run-a") -> RunPage:
    page = view.begin_run(key, png(RED, (60, 40)), n, RunInfo("a blue sky", "gpt-image-1"))
    for index, color in enumerate((BLUE, GREEN, GREY)[:n]):
        view.add_variant(key, index, png(color), "png", None)
    settle(qtbot, view)
    return page


def wheel(widget, pos: QPoint, notches: int = 1) -> None:
    event = QWheelEvent(
        QPointF(pos),
        QPointF(widget.mapToGlobal(pos)),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_tiles_show_the_original_and_each_variant_with_their_pixels(qtbot, view):
    page = start(qtbot, view)
    assert [t.index for t in page.tiles()] == [None, 0, 1, 2]
    assert center_color(page.original) == RED
    assert [center_color(page.variants[i]) for i in range(3)] == [BLUE, GREEN, GREY]
    assert page.variants[0].facts.text().startswith("90×60")


def test_tiles_wait_as_receiving_until_bytes_arrive(qtbot, view):
    page = view.begin_run("run-a", png(RED), 2, None)
    settle(qtbot, view)
    assert page.variants[1].current_image() is None
    assert page.variants[1].canvas.placeholder == "receiving…"
    assert not page.variants[1].buttons["save"].isEnabled()


def test_grid_reflows_its_column_count_with_the_width(qtbot, view):
    page = start(qtbot, view)
    view.resize(1600, 800)
    qtbot.waitUntil(lambda: page.columns == 4)
    assert len({tile.geometry().top() for tile in page.tiles()}) == 1
    view.resize(2 * page.tile_width() + 80, 800)
    qtbot.waitUntil(lambda: page.columns == 2)
    assert len({tile.geometry().top() for tile in page.tiles()}) == 2
    view.resize(page.tile_width() + 60, 800)
    qtbot.waitUntil(lambda: page.columns == 1)
    assert len({tile.geometry().top() for tile in page.tiles()}) == 4
    heights = [t.canvas.height() / t.canvas.width() for t in page.variants.values()]
    assert heights == pytest.approx([60 / 90] * 3, abs=0.03)  # tiles keep the image's aspect


def test_key_2_focuses_variant_2_and_escape_returns_to_the_grid(qtbot, view):
    page = start(qtbot, view)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_2)
    assert page.focused is page.variants[1]
    qtbot.waitUntil(lambda: page.variants[1].canvas.width() > 800)
    assert not page.variants[0].isVisible()
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert page.focused is None
    qtbot.waitUntil(lambda: page.variants[0].isVisible())


def test_clicking_a_tile_focuses_it_and_0_returns(qtbot, view):
    page = start(qtbot, view)
    canvas = page.variants[2].canvas
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.rect().center())
    assert page.focused is page.variants[2]
    qtbot.keyClick(view, Qt.Key.Key_0)
    assert page.focused is None


def normalized_at(tile: VariantTile, pos: QPointF) -> QPointF:
    canvas = tile.canvas
    size = canvas.drawn_image().size()
    return canvas.transform.to_normalized(canvas.rect().toRectF(), size.toSizeF(), pos)


def test_wheel_on_one_tile_zooms_every_tile_at_the_cursor(qtbot, view):
    page = start(qtbot, view)
    first, other = page.variants[0], page.original  # 90x60 vs 60x40: other pixel sizes
    cursor = QPoint(first.canvas.width() // 4, first.canvas.height() // 3)
    before = normalized_at(first, QPointF(cursor))
    wheel(first.canvas, cursor, notches=3)
    assert view.transform.zoom > 1.5
    after = normalized_at(first, QPointF(cursor))
    assert after.x() == pytest.approx(before.x(), abs=1e-6)
    assert after.y() == pytest.approx(before.y(), abs=1e-6)
    # The same relative spot of the other tile shows the same image point.
    relative = QPointF(
        cursor.x() / first.canvas.width() * other.canvas.width(),
        cursor.y() / first.canvas.height() * other.canvas.height(),
    )
    assert normalized_at(other, relative).x() == pytest.approx(after.x(), abs=0.02)
    assert normalized_at(other, relative).y() == pytest.approx(after.y(), abs=0.02)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.transform.zoom == 1.0


def test_dragging_one_tile_pans_every_tile(qtbot, view):
    page = start(qtbot, view)
    canvas = page.variants[0].canvas
    wheel(canvas, canvas.rect().center(), notches=4)
    centre_before = QPointF(view.transform.center)
    start_pos = canvas.rect().center()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start_pos)
    qtbot.mouseMove(canvas, start_pos + QPoint(40, 0))
    qtbot.mouseMove(canvas, start_pos + QPoint(80, 0))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=start_pos + QPoint(80, 0))
    assert page.focused is None  # a drag is not a click
    assert view.transform.center.x() < centre_before.x()
    rect_a = view.transform.image_rect(canvas.rect().toRectF(), canvas.image.size().toSizeF())
    other = page.variants[1].canvas
    rect_b = view.transform.image_rect(other.rect().toRectF(), other.image.size().toSizeF())
    assert rect_a.left() / canvas.width() == pytest.approx(rect_b.left() / other.width(), abs=0.01)


def test_holding_backslash_shows_the_original_in_every_tile(qtbot, view):
    page = start(qtbot, view)
    view.setFocus()
    qtbot.keyPress(view, Qt.Key.Key_Backslash)
    assert [center_color(page.variants[i]) for i in range(3)] == [RED, RED, RED]
    qtbot.keyRelease(view, Qt.Key.Key_Backslash)
    assert center_color(page.variants[0]) == BLUE


def test_split_slider_shows_the_original_left_and_the_variant_right(qtbot, view):
    page = start(qtbot, view)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_1)
    page.split_box.setChecked(True)
    page.split_slider.setValue(500)
    tile = page.variants[0]
    qtbot.waitUntil(lambda: tile.canvas.width() > 800)
    quarter = tile.canvas.width() // 4
    assert center_color(tile, -quarter) == RED
    assert center_color(tile, +quarter) == BLUE


def test_a_partial_image_shows_until_the_final_replaces_it(qtbot, view):
    page = view.begin_run("run-a", png(RED), 1, None)
    view.add_partial("run-a", 0, png(GREY))
    settle(qtbot, view)
    tile = page.variants[0]
    assert center_color(tile) == GREY
    assert tile.canvas.badge == "preview…"
    view.add_variant("run-a", 0, png(GREEN), "png", None)
    settle(qtbot, view)
    assert center_color(tile) == GREEN
    assert tile.canvas.badge == ""
    view.add_partial("run-a", 0, png(BLUE))  # a late preview never hides the final image
    settle(qtbot, view)
    assert center_color(tile) == GREEN


def test_fail_run_keeps_received_tiles_and_shows_the_message(qtbot, view):
    page = view.begin_run("run-a", png(RED), 3, None)
    view.add_variant("run-a", 0, png(BLUE), "png", None)
    settle(qtbot, view)
    view.fail_run("run-a", "The API key was refused; open Settings to check it.")
    assert page.message.isVisible()
    assert "API key was refused" in page.message.text()
    assert center_color(page.variants[0]) == BLUE
    assert page.variants[1].canvas.placeholder == "not received"


def test_finish_run_shows_revised_prompt_tokens_cost_and_time(qtbot, view):
    page = start(qtbot, view, n=2)
    long_prompt = "a clear blue sky over the sea with two gulls " * 5
    result = ResultInfo((long_prompt, None), "90x60", 4160, "≈ $0.042 (usage tokens)", 12.34)
    view.finish_run("run-a", result)
    assert "4,160 tokens" in page.header.text()
    assert "$0.042" in page.header.text()
    assert "12.3 s" in page.header.text()
    caption = page.variants[0].caption
    assert caption.toolTip() == long_prompt
    assert caption.text().endswith("…")


@pytest.mark.parametrize(("suffix", "fmt"), [(".png", "PNG"), (".jpg", "JPEG"), (".webp", "WEBP")])
def test_save_as_writes_a_decodable_file_of_the_chosen_format(
    qtbot, view, tmp_path: Path, monkeypatch, suffix, fmt
):
    page = start(qtbot, view)
    target = tmp_path / f"chosen{suffix}"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    with qtbot.waitSignal(view.saved, timeout=5000) as saved:
        qtbot.mouseClick(page.variants[1].buttons["save"], Qt.MouseButton.LeftButton)
    assert saved.args == [target]
    with Image.open(target) as image:
        assert image.format == fmt
        assert image.size == (90, 60)
        pixel = image.convert("RGB").getpixel((45, 30))
    assert all(abs(a - b) <= 4 for a, b in zip(pixel, GREEN, strict=True))


def test_copy_puts_the_variant_on_the_clipboard(qtbot, view):
    page = start(qtbot, view)
    qtbot.mouseClick(page.variants[0].buttons["copy"], Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().image()
    assert copied.size().toTuple() == (90, 60)
    assert copied.pixelColor(10, 10) == QColor(*BLUE)


def test_use_as_base_and_regenerate_emit_the_run_and_variant(qtbot, view):
    page = start(qtbot, view)
    with qtbot.waitSignal(view.use_as_base) as base:
        qtbot.mouseClick(page.variants[2].buttons["base"], Qt.MouseButton.LeftButton)
    assert base.args == ["run-a", 2]
    with qtbot.waitSignal(view.regenerate) as again:
        qtbot.mouseClick(page.variants[0].buttons["regenerate"], Qt.MouseButton.LeftButton)
    assert again.args == ["run-a"]


def test_a_new_run_is_shown_and_earlier_runs_stay_reachable(qtbot, view):
    first = start(qtbot, view, n=2, key="run-a")
    second = view.begin_run("run-b", png(GREEN), 1, RunInfo("a green field", "gpt-image-1"))
    view.add_variant("run-a", 1, png(BLUE), "png", None)  # the first run is still streaming
    settle(qtbot, view)
    assert view.current_page() is second
    assert view.selector.count() == 2
    assert view.selector.itemText(0).startswith("a green field")
    view.selector.setCurrentIndex(1)
    assert view.current_page() is first
    assert center_color(first.variants[0]) == BLUE
    assert center_color(first.variants[1]) == BLUE


def test_a_variant_can_show_another_image_of_itself(qtbot, view):
    page = start(qtbot, view, n=1)
    view.add_variant_image("run-a", 0, "composite", png(GREEN))
    settle(qtbot, view)
    tile = page.variants[0]
    assert not tile.kinds.isHidden()
    assert center_color(tile) == BLUE  # the raw image stays shown until asked
    tile.kinds.setCurrentText("composite")
    assert center_color(tile) == GREEN


def test_show_run_reopens_a_history_run_with_its_images_and_facts(qtbot, view):
    history = History()
    run = finished_run(history, "a lighthouse at dusk", [BLUE, GREEN], original=RED)
    page = view.show_run(history.get(run.run_id))
    settle(qtbot, view)
    assert view.current_page() is page
    assert center_color(page.original) == RED
    assert [center_color(page.variants[i]) for i in range(2)] == [BLUE, GREEN]
    assert page.variants[1].caption.toolTip() == "a lighthouse at dusk, revised 1"
    assert "4,160 tokens" in page.header.text() and "7.5 s" in page.header.text()
    assert view.show_run(history.get(run.run_id)) is page  # reopening switches, never duplicates
    history.close()


def test_show_run_of_a_failed_run_says_why(qtbot, view):
    history = History()
    run = history.start_run(request("a blue door", n=2), base_url=LOCAL_URL)
    run.add_variant(0, png(GREEN), "png")
    run.fail(user_message="The model refused this prompt; change the wording and try again.")
    page = view.show_run(history.get(run.run_id))
    settle(qtbot, view)
    assert "model refused" in page.message.text()
    assert center_color(page.variants[0]) == GREEN
    assert page.variants[1].canvas.placeholder == "not received"
    history.close()


def test_a_client_result_becomes_the_runs_facts(qtbot, view):
    page = start(qtbot, view, n=2)
    result = EditResult(
        variants=(
            Variant(0, png(BLUE), "png", revised_prompt="a cloudless blue sky"),
            Variant(1, png(GREEN), "png", revised_prompt=None),
        ),
        usage={"total_tokens": 1234, "input_tokens": 234, "output_tokens": 1000},
        size="1024x1024",
        elapsed=3.25,
    )
    view.finish_run("run-a", result)
    assert page.variants[0].caption.toolTip() == "a cloudless blue sky"
    assert page.variants[1].caption.toolTip() == ""
    assert "1,234 tokens" in page.header.text()
    assert "(usage tokens)" in page.header.text()  # priced from usage for gpt-image-1
    assert "3.2 s" in page.header.text()


def test_each_variant_says_when_it_arrived(qtbot, view):
    page = start(qtbot, view, n=1)
    assert re.fullmatch(r"90×60 · arrived after \d+\.\d s", page.variants[0].facts.text())


def test_escape_goes_back_to_the_grid_before_any_window_shortcut(qtbot, view):
    page = start(qtbot, view)
    cancelled: list[bool] = []
    cancel = QAction("Cancel", view)
    cancel.setShortcut(QKeySequence(Qt.Key.Key_Escape))
    cancel.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    cancel.triggered.connect(lambda: cancelled.append(True))
    view.addAction(cancel)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_3)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert page.focused is None and cancelled == []
    qtbot.keyClick(view, Qt.Key.Key_Escape)  # nothing focused: Esc is the window's again
    assert cancelled == [True]


def test_old_finished_runs_close_but_runs_in_flight_stay(qtbot, view, monkeypatch):
    monkeypatch.setattr(variants_view, "MAX_PAGES", 3)
    view.begin_run("flying", png(RED), 1, None)  # never finishes
    for number in range(4):
        view.begin_run(f"run-{number}", png(RED), 1, None)
        view.finish_run(f"run-{number}", None)
    settle(qtbot, view)
    assert set(view.pages) == {"flying", "run-2", "run-3"}
    assert view.selector.count() == 3


def test_bytes_that_are_no_image_say_so_in_their_tile(qtbot, view):
    page = view.begin_run("run-a", png(RED), 2, None)
    view.add_variant("run-a", 0, png(BLUE), "png", None)
    with qtbot.waitSignal(view.problem) as problem:
        view.add_variant("run-a", 1, b"<html>gateway error</html>", "png", None)
    settle(qtbot, view)
    assert "cannot show this image" in page.variants[1].canvas.placeholder
    assert problem.args[0].endswith(".")  # a sentence for the banner, no traceback
    assert center_color(page.variants[0]) == BLUE


def test_save_as_to_a_folder_that_cannot_be_written_says_why(qtbot, view, tmp_path, monkeypatch):
    page = start(qtbot, view)
    target = tmp_path / "missing-folder" / "variant.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    with qtbot.waitSignal(view.problem) as problem:
        qtbot.mouseClick(page.variants[0].buttons["save"], Qt.MouseButton.LeftButton)
    assert problem.args[0].startswith("Could not save variant.png")
    assert not target.exists()
