"""Issue 6 parts 1-2 in the app, against the embedded server on 127.0.0.1: every variant
composited into the photo with the mask as sent, the composite on its tile with the raw
one a click away, crop to mask uploading the crop and pasting it back at full size."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from maskpaint.core.compose import crop_inputs, fit_variant, plan_crop
from maskpaint.core.compose_run import plan_from_record
from maskpaint.core.imageio import open_image
from maskpaint.core.mask import Box, Mask
from maskpaint.core.models import get_model
from maskpaint.gui.composite import COMPOSITE
from maskpaint.gui.main_window import MainWindow
from maskpaint.gui.variant_tile import RAW
from maskpaint.server import EmbeddedServer
from tests.gui.generation_support import edited_pixels, paint_stroke
from tests.gui.test_generate_window import (
    choose,
    newest_run,
    open_window,
    press_generate,
    wait_idle,
)
from tests.gui.test_overlay import qimage_array

FEATHER = 4.0


@pytest.fixture(autouse=True)
def no_openai_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)


def pixels(source: Path | bytes) -> np.ndarray:
    return np.array(open_image(source).image.convert("RGB"))


def deep_inside(binary: np.ndarray, px: float = FEATHER + 1) -> np.ndarray:
    inside = np.ascontiguousarray(binary, dtype=np.uint8)
    return cv2.distanceTransform(inside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE) >= px


def variant_tile(window: MainWindow, run_id: str, index: int = 0):
    return window.generation.variants.pages[run_id].variants[index]


def close(qtbot, window: MainWindow) -> None:
    window.generation.controller.cancel_all()
    wait_idle(qtbot, window)
    window.close()


@pytest.fixture
def app(qtbot, coffee_path, local_server):
    window = open_window(qtbot, coffee_path, local_server.base_url)
    yield window
    close(qtbot, window)


def generate_one(qtbot, window: MainWindow, **options: object):
    choose(window, n=1, **options)
    press_generate(qtbot, window)
    wait_idle(qtbot, window)
    return newest_run(window)


def test_composite_keeps_the_photo_outside_the_mask_and_the_variant_inside(qtbot, app, coffee_path):
    paint_stroke(qtbot, app.canvas)
    record = generate_one(qtbot, app)

    composite_file = record.path / "composite-0.png"
    assert [p.name for p in record.variants] == ["variant-0.png"]
    assert composite_file in record.attachments
    sent = edited_pixels(record.mask.path)
    result, photo = pixels(composite_file), pixels(coffee_path)
    assert result.shape == photo.shape
    assert np.array_equal(result[~sent], photo[~sent])
    variant = np.array(fit_variant(open_image(record.variants[0]).image.convert("RGB"), (600, 400)))
    deep = deep_inside(sent)
    assert deep.sum() > 1000 and np.array_equal(result[deep], variant[deep])
    assert not np.array_equal(result[deep], photo[deep])  # the edit is really there
    assert record.settings["compose"] == {"composite": True, "feather_px": FEATHER}


def test_the_tile_shows_the_composite_and_the_raw_variant_a_click_away(qtbot, app):
    paint_stroke(qtbot, app.canvas)
    record = generate_one(qtbot, app)
    tile = variant_tile(app, record.run_id)

    assert tile.kind == COMPOSITE
    assert tile.current_data() == (record.path / "composite-0.png").read_bytes()
    assert [tile.kinds.itemText(i) for i in range(tile.kinds.count())] == [RAW, COMPOSITE]
    assert tile.kinds.isVisible()
    tile.kinds.setCurrentText(RAW)
    assert tile.current_data() == record.variants[0].read_bytes()
    assert tile.canvas.image is tile.images[RAW]
    tile.kinds.setCurrentText(COMPOSITE)
    assert tile.canvas.image is tile.images[COMPOSITE]


def test_a_stroke_painted_after_generate_does_not_change_the_composite(qtbot, coffee_path):
    with EmbeddedServer(work_delay=1.0) as slow:
        window = open_window(qtbot, coffee_path, slow.base_url)
        choose(window, n=1)
        paint_stroke(qtbot, window.canvas, y=120)
        sent = window.document.mask.binary().copy()
        press_generate(qtbot, window)
        paint_stroke(qtbot, window.canvas, y=300)  # while the server works
        later = window.document.mask.binary() & ~sent
        assert later.sum() > 1000
        wait_idle(qtbot, window)
        record = newest_run(window)
        close(qtbot, window)

    result, photo = pixels(record.path / "composite-0.png"), pixels(coffee_path)
    assert np.array_equal(edited_pixels(record.mask.path), sent)
    assert np.array_equal(result[~sent], photo[~sent])
    assert np.array_equal(result[later], photo[later])


def test_use_as_new_base_takes_the_image_the_tile_shows(qtbot, app):
    paint_stroke(qtbot, app.canvas)
    record = generate_one(qtbot, app)
    tile = variant_tile(app, record.run_id)
    document = app.document

    tile.buttons["base"].click()
    qtbot.waitUntil(lambda: document.lineage is not None, timeout=10000)
    assert np.array_equal(np.array(document.image), pixels(record.path / "composite-0.png"))

    document.undo_stack.undo()
    tile.kinds.setCurrentText(RAW)
    tile.buttons["base"].click()
    qtbot.waitUntil(lambda: document.lineage is not None, timeout=10000)
    assert np.array_equal(np.array(document.image), pixels(record.variants[0]))


def test_reopening_a_run_from_history_shows_its_composite(qtbot, coffee_path, local_server):
    first = open_window(qtbot, coffee_path, local_server.base_url)
    paint_stroke(qtbot, first.canvas)
    record = generate_one(qtbot, first)
    close(qtbot, first)

    second = open_window(qtbot, coffee_path, local_server.base_url)
    second.generation.open_run(record.run_id)
    variants = second.generation.variants
    qtbot.waitUntil(lambda: not variants.busy(), timeout=10000)
    tile = variant_tile(second, record.run_id)
    assert tile.kind == COMPOSITE
    assert tile.current_data() == (record.path / "composite-0.png").read_bytes()
    assert tile.images[RAW] is not None
    close(qtbot, second)


def test_a_composite_that_cannot_be_saved_shows_a_banner_and_keeps_the_raw_variant(qtbot, app):
    def block_composite(run_id: str, opened) -> None:
        (opened.path / "composite-0.png").mkdir()  # the disk refuses the composite file

    app.generation.controller.run_started.connect(block_composite)
    paint_stroke(qtbot, app.canvas)
    record = generate_one(qtbot, app)

    tile = variant_tile(app, record.run_id)
    assert tile.kind == RAW and tile.current_data() == record.variants[0].read_bytes()
    assert COMPOSITE not in tile.images
    text = app.banner.text()
    assert text.startswith("Variant 1 could not be composited into the photo")
    assert text.endswith("the raw variant is shown and kept in the history.")


def test_composite_off_sends_and_shows_the_raw_variant_only(qtbot, app):
    paint_stroke(qtbot, app.canvas)
    record = generate_one(qtbot, app, composite=False)
    assert record.attachments == ()
    assert "compose" not in record.settings
    tile = variant_tile(app, record.run_id)
    assert tile.kind == RAW and list(tile.images) == [RAW]


# -- crop to mask ----------------------------------------------------------------------

BIG = (4000, 3000)
EDIT = Box(2600, 1700, 2800, 1850)


@pytest.fixture(scope="module")
def big_photo(coffee_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.png"
    with Image.open(coffee_path) as image:
        image.convert("RGB").resize(BIG, Image.Resampling.BICUBIC).save(path, compress_level=1)
    return path


def paint_small_ellipse(window: MainWindow) -> np.ndarray:
    window.document.apply(lambda mask: mask.fill_ellipse(EDIT), "Ellipse")
    return window.document.mask.binary().copy()


def test_crop_to_mask_uploads_the_crop_and_pastes_it_back_at_full_resolution(
    qtbot, big_photo, local_server
):
    window = open_window(qtbot, big_photo, local_server.base_url)
    sent = paint_small_ellipse(window)
    choose(window, n=1, crop_to_mask=True, crop_padding=48)
    mask = Mask(*BIG, np.where(sent, 255, 0).astype(np.uint8))
    plan = plan_crop(BIG, mask, get_model(window.generation.panel.options().model), padding=48)
    assert not plan.whole_image

    line = window.generation.panel.compose_box.crop_line
    expected = f"crop {plan.crop.width}×{plan.crop.height} → {plan.send_size[0]}×"
    qtbot.waitUntil(lambda: line.text().startswith(expected), timeout=15000)
    assert f"{plan.gain:.0f}× more model pixels on the edit" in line.text()
    assert "% of the upload" in line.text() and line.isVisible()

    press_generate(qtbot, window)
    wait_idle(qtbot, window)
    record = newest_run(window)
    status = window.generation.variants.status.text()
    assert status.startswith(f"Crop to mask: crop {plan.crop.width}×{plan.crop.height}")
    variant_tile(window, record.run_id).buttons["regenerate"].click()
    wait_idle(qtbot, window)
    again = newest_run(window)
    close(qtbot, window)

    photo = pixels(big_photo)
    crop_png, crop_mask = crop_inputs(Image.fromarray(photo), mask, plan)
    received = local_server.received[-1]
    assert received.fields["size"] == plan.size
    assert received.files["image"][2] == len(crop_png)
    assert received.files["mask"][2] == len(crop_mask)
    assert received.files["image"][2] < big_photo.stat().st_size / 10
    with Image.open(record.variants[0]) as raw:
        assert raw.size == plan.send_size
    result = pixels(record.path / "composite-0.png")
    assert result.shape == photo.shape
    assert np.array_equal(result[~sent], photo[~sent])
    assert not np.array_equal(result[deep_inside(sent)], photo[deep_inside(sent)])
    assert plan_from_record(record.settings["compose"]) == plan
    # Regenerate sends the same crop and pastes back into the full photo the run kept.
    assert again.run_id != record.run_id
    assert local_server.received[-1].files["image"][2] == len(crop_png)
    result = pixels(again.path / "composite-0.png")
    assert result.shape == photo.shape and np.array_equal(result[~sent], photo[~sent])


def test_crop_to_mask_of_a_mostly_masked_photo_says_so_and_sends_it_whole(
    qtbot, app, local_server, coffee_path
):
    app.document.apply(lambda mask: mask.fill_rect(Box(20, 20, 580, 380)), "Rectangle")
    choose(app, n=1, crop_to_mask=True)
    line = app.generation.panel.compose_box.crop_line
    qtbot.waitUntil(lambda: line.text().startswith("Cropping would not help"), timeout=10000)
    assert "sent whole as 1536×1024" in line.text()

    press_generate(qtbot, app)
    wait_idle(qtbot, app)
    record = newest_run(app)
    assert local_server.received[-1].fields["size"] == "1536x1024"
    sent = app.document.mask.binary()
    result = pixels(record.path / "composite-0.png")
    photo = pixels(coffee_path)
    assert result.shape == photo.shape
    assert np.array_equal(result[~sent], photo[~sent])


def test_regenerate_composites_the_new_variants_from_the_run_folder(qtbot, app, coffee_path):
    paint_stroke(qtbot, app.canvas)
    first = generate_one(qtbot, app)
    app.document.apply(
        lambda mask: mask.clear(), "Clear"
    )  # the folder has the mask, not the canvas

    variant_tile(app, first.run_id).buttons["regenerate"].click()
    wait_idle(qtbot, app)
    again = newest_run(app)
    assert again.run_id != first.run_id and again.settings["regenerated_from"] == first.run_id
    sent = edited_pixels(again.mask.path)
    result, photo = pixels(again.path / "composite-0.png"), pixels(coffee_path)
    assert np.array_equal(result[~sent], photo[~sent])
    assert variant_tile(app, again.run_id).kind == COMPOSITE


# -- a crop run compares like for like ---------------------------------------------------


def crop_run(qtbot, window: MainWindow):
    paint_small_ellipse(window)
    choose(window, n=1, crop_to_mask=True, crop_padding=48)
    press_generate(qtbot, window)
    wait_idle(qtbot, window)
    return newest_run(window)


def rgb(image) -> np.ndarray:
    return qimage_array(image)[..., :3]


def screen(tile) -> np.ndarray:
    return rgb(tile.canvas.grab().toImage())


def same_on_screen(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal but for rounding: Qt's clipped paint of a scaled image (the split's halves)
    puts the odd pixel one level off its unclipped paint; another image is far off."""
    return a.shape == b.shape and int(np.abs(a.astype(np.int16) - b).max()) <= 1


def compares_like_for_like(qtbot, window: MainWindow, run_id: str, kind: str, photo, crop):
    """Variant 1 showing `kind` is compared with the original of that kind (the full photo
    for a composite, the crop sent for the raw variant): held \\ and split slider alike."""
    view = window.generation.variants
    page = view.pages[run_id]
    tile = page.variants[0]
    tile.kinds.setCurrentText(kind)
    expected = photo if kind == COMPOSITE else crop
    assert np.array_equal(rgb(tile.canvas.original), expected)
    assert page.original.kind == kind  # the Original tile shows the same
    assert np.array_equal(rgb(page.original.current_image()), expected)

    view.setFocus()
    qtbot.keyPress(view, Qt.Key.Key_Backslash)
    assert np.array_equal(screen(tile), screen(page.original))
    qtbot.keyRelease(view, Qt.Key.Key_Backslash)

    qtbot.keyClick(view, Qt.Key.Key_1)
    page.split_box.setChecked(True)
    page.split_slider.setValue(500)
    qtbot.waitUntil(lambda: tile.canvas.width() > page.original.canvas.width())
    split = screen(tile)
    qtbot.keyPress(view, Qt.Key.Key_Backslash)
    held = screen(tile)
    qtbot.keyRelease(view, Qt.Key.Key_Backslash)
    page.split_box.setChecked(False)
    alone = screen(tile)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    width = split.shape[1]
    left, right = slice(0, width * 45 // 100), slice(width * 55 // 100, width)
    assert same_on_screen(split[:, left], held[:, left])
    assert same_on_screen(split[:, right], alone[:, right])
    if kind == COMPOSITE:  # the mask lies right of the middle: left of it, photo = composite
        assert np.array_equal(held[:, left], alone[:, left])


def test_a_crop_runs_composite_compares_with_the_photo_and_its_raw_variant_with_the_crop(
    qtbot, big_photo, local_server
):
    window = open_window(qtbot, big_photo, local_server.base_url)
    record = crop_run(qtbot, window)
    tile = variant_tile(window, record.run_id)
    assert tile.kind == COMPOSITE
    photo, crop = pixels(big_photo), pixels(record.inputs[0].path)
    assert crop.shape != photo.shape
    compares_like_for_like(qtbot, window, record.run_id, COMPOSITE, photo, crop)
    compares_like_for_like(qtbot, window, record.run_id, RAW, photo, crop)
    close(qtbot, window)


def test_a_reopened_crop_run_compares_its_composite_with_the_full_photo(
    qtbot, big_photo, local_server
):
    first = open_window(qtbot, big_photo, local_server.base_url)
    record = crop_run(qtbot, first)
    close(qtbot, first)

    second = open_window(qtbot, big_photo, local_server.base_url)
    second.generation.open_run(record.run_id)
    qtbot.waitUntil(lambda: not second.generation.variants.busy(), timeout=15000)
    photo, crop = pixels(big_photo), pixels(record.inputs[0].path)
    assert variant_tile(second, record.run_id).kind == COMPOSITE
    compares_like_for_like(qtbot, second, record.run_id, COMPOSITE, photo, crop)
    compares_like_for_like(qtbot, second, record.run_id, RAW, photo, crop)
    close(qtbot, second)
