"""Tiles compare like for like: every tile of a page gives its image the same area, so an
original and a variant identical to it are drawn on the same screen rows and columns; and
each image of a variant is compared with the original of its kind."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication

from maskpaint.gui.variant_info import ResultInfo, RunInfo
from maskpaint.gui.variant_page import RunPage
from maskpaint.gui.variant_tile import VariantTile
from maskpaint.gui.variants_view import VariantsView
from tests.gui.helpers import settle_variants as settle
from tests.gui.test_overlay import qimage_array

RED, BLUE, GREEN, GREY = (220, 30, 30), (20, 40, 230), (20, 200, 60), (128, 128, 128)
LONG_REVISED = "a sunny meadow with a red kite over the hills, drawn in soft pastel " * 3


def pattern_png(size: tuple[int, int] = (90, 60)) -> bytes:
    """Gradients in two directions: any vertical or horizontal offset changes the pixels."""
    width, height = size
    x, y = np.meshgrid(np.arange(width), np.arange(height))
    rgb = np.stack([x * 255 // width, y * 255 // height, (x + y) % 256], axis=-1)
    buffer = io.BytesIO()
    Image.fromarray(rgb.astype(np.uint8), "RGB").save(buffer, "PNG")
    return buffer.getvalue()


def solid_png(color: tuple[int, int, int], size: tuple[int, int] = (90, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def image_area(page: RunPage, tile: VariantTile) -> QRect:
    """The tile's image area in page coordinates."""
    canvas = tile.canvas
    return QRect(canvas.mapTo(page, QPoint(0, 0)), canvas.size())


def rows(page: RunPage) -> list[list[VariantTile]]:
    by_top: dict[int, list[VariantTile]] = {}
    for tile in page.tiles():
        by_top.setdefault(tile.geometry().top(), []).append(tile)
    return [by_top[top] for top in sorted(by_top)]


def mixed_page(qtbot, view: VariantsView) -> RunPage:
    """The original, a variant identical to it, and one with every caption a tile can have:
    a long revised prompt, an arrival time, and a raw/composite switch."""
    photo = pattern_png()
    page = view.begin_run("run-a", photo, 2, RunInfo("a red kite", "gpt-image-1"))
    view.add_variant("run-a", 0, photo)
    view.add_variant("run-a", 1, solid_png(BLUE))
    view.add_variant_image("run-a", 1, "composite", solid_png(GREEN), show=True)
    settle(qtbot, view)
    view.finish_run("run-a", ResultInfo((None, LONG_REVISED), "90x60", 1000, None, 2.0))
    QApplication.processEvents()
    return page


def test_every_tile_of_a_row_gives_its_image_the_same_height_and_top(qtbot, view):
    page = mixed_page(qtbot, view)
    assert page.variants[1].kinds.isVisible()  # the switch the original has not
    qtbot.waitUntil(lambda: page.columns == 3)
    areas = [image_area(page, tile) for tile in page.tiles()]
    assert len({(area.top(), area.width(), area.height()) for area in areas}) == 1
    assert len({area.left() for area in areas}) == 3

    view.resize(2 * page.tile_width() + 80, 800)
    qtbot.waitUntil(lambda: page.columns == 2)
    QApplication.processEvents()
    for row in rows(page):
        assert len({(image_area(page, t).top(), image_area(page, t).height()) for t in row}) == 1


def test_the_original_and_an_identical_variant_are_drawn_at_the_same_screen_positions(qtbot, view):
    page = mixed_page(qtbot, view)
    qtbot.waitUntil(lambda: page.columns == 3)
    shot = page.grab().toImage()
    original = qimage_array(shot.copy(image_area(page, page.original)))
    variant = qimage_array(shot.copy(image_area(page, page.variants[0])))
    assert original.std() > 20  # the pattern is on screen, not just the background
    assert np.array_equal(original, variant)


def center_color(tile: VariantTile) -> tuple[int, int, int]:
    image = tile.canvas.grab().toImage()
    color = image.pixelColor(image.width() // 2, image.height() // 2)
    return color.red(), color.green(), color.blue()


def held_colors(qtbot, view: VariantsView, page: RunPage) -> list[tuple[int, int, int]]:
    """What each tile shows while \\ is held."""
    view.setFocus()
    qtbot.keyPress(view, Qt.Key.Key_Backslash)
    colors = [center_color(tile) for tile in page.tiles()]
    qtbot.keyRelease(view, Qt.Key.Key_Backslash)
    return colors


def test_each_image_of_a_variant_compares_with_the_original_of_its_kind(qtbot, view):
    page = view.begin_run("run-a", solid_png(RED), 1, None)  # the crop sent
    view.add_original_image("run-a", "composite", solid_png(GREY, (180, 120)))  # full photo
    view.add_variant("run-a", 0, solid_png(BLUE))
    view.add_variant_image("run-a", 0, "composite", solid_png(GREEN, (180, 120)), show=True)
    settle(qtbot, view)
    original, tile = page.original, page.variants[0]
    assert [center_color(original), center_color(tile)] == [GREY, GREEN]
    assert held_colors(qtbot, view, page) == [GREY, GREY]
    assert [original.kinds.itemText(i) for i in range(2)] == ["crop sent", "full photo"]

    tile.kinds.setCurrentText("raw")  # the original tile follows the switch
    assert [center_color(original), center_color(tile)] == [RED, BLUE]
    assert held_colors(qtbot, view, page) == [RED, RED]
    assert original.facts.text() == "90×60"


def test_a_composite_is_compared_with_no_original_until_its_own_is_decoded(qtbot, view):
    page = view.begin_run("run-a", solid_png(RED), 1, None)
    view.add_variant("run-a", 0, solid_png(BLUE))
    view.add_variant_image("run-a", 0, "composite", solid_png(GREEN, (180, 120)), show=True)
    settle(qtbot, view)
    page.set_original_image(None, "composite")  # what add_original_image does at once
    assert held_colors(qtbot, view, page)[1] == GREEN  # the composite itself, not the crop
