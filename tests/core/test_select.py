"""Smart selection: magic wand, GrabCut subject in a rectangle, merged as one undo step."""

from __future__ import annotations

import numpy as np
import pytest

from maskpaint.core import select
from maskpaint.core.errors import MaskError
from maskpaint.core.mask import Box, Mask
from maskpaint.core.select import apply_selection, combine, magic_wand, subject_in_rect

RED, BLUE = (220, 30, 30), (30, 40, 200)


def two_colour_image() -> np.ndarray:
    """Blue, with two red squares that do not touch."""
    image = np.empty((60, 100, 3), np.uint8)
    image[:] = BLUE
    image[10:30, 10:30] = RED
    image[20:50, 60:90] = RED
    return image


def selected(coverage: np.ndarray) -> np.ndarray:
    assert coverage.dtype == np.uint8 and set(np.unique(coverage)) <= {0, 255}
    return coverage == 255


def test_contiguous_magic_wand_selects_only_the_clicked_region():
    image = two_colour_image()
    expected = np.zeros((60, 100), bool)
    expected[10:30, 10:30] = True
    assert np.array_equal(selected(magic_wand(image, 15, 15, tolerance=10)), expected)


def test_global_magic_wand_selects_every_pixel_of_that_colour():
    image = two_colour_image()
    coverage = magic_wand(image, 15, 15, tolerance=10, contiguous=False)
    assert np.array_equal(selected(coverage), (image == RED).all(axis=2))


def test_magic_wand_tolerance_is_per_channel_from_the_clicked_colour():
    image = two_colour_image()
    image[10:30, 20:30] = (228, 30, 30)  # a slightly lighter half of the first square
    assert selected(magic_wand(image, 12, 12, tolerance=5)).sum() == 20 * 10
    assert selected(magic_wand(image, 12, 12, tolerance=8)).sum() == 20 * 20


def test_magic_wand_does_not_leak_through_a_diagonal_touch():
    image = np.zeros((10, 10, 3), np.uint8)
    image[:5, :5] = 255
    image[5:, 5:] = 255  # touches the first square only at a corner
    assert selected(magic_wand(image, 0, 0, tolerance=0)).sum() == 25


def test_contiguous_selection_is_part_of_the_global_one():
    rng = np.random.default_rng(5)
    image = (rng.integers(0, 4, (80, 120, 3)) * 60).astype(np.uint8)
    for tolerance in (0, 30, 70, 130):
        near = selected(magic_wand(image, 40, 30, tolerance))
        everywhere = selected(magic_wand(image, 40, 30, tolerance, contiguous=False))
        assert near[30, 40] and not (near & ~everywhere).any()


def test_magic_wand_takes_the_pixel_under_a_pointer_position():
    image = two_colour_image()
    assert np.array_equal(magic_wand(image, 29.9, 29.9, 0), magic_wand(image, 29, 29, 0))
    assert not selected(magic_wand(image, 30.0, 29.9, 0))[15, 15]  # blue, not the square


def test_magic_wand_ignores_alpha():
    image = two_colour_image()
    rgba = np.dstack([image, np.full((60, 100), 7, np.uint8)])
    assert np.array_equal(magic_wand(rgba, 70, 30, 0), magic_wand(image, 70, 30, 0))


def test_magic_wand_outside_the_image_is_refused():
    with pytest.raises(ValueError, match="outside"):
        magic_wand(two_colour_image(), 100, 0, 10)


def noisy_disc(width: int = 320, height: int = 240, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """A reddish disc on a noisy green background, and the disc's true pixels."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width]
    disc = (xs - 170) ** 2 + (ys - 115) ** 2 <= 70**2
    background = rng.normal((60, 140, 70), 35, (height, width, 3))
    subject = rng.normal((210, 70, 50), 35, (height, width, 3))
    image = np.where(disc[..., None], subject, background)
    return np.clip(image, 0, 255).astype(np.uint8), disc


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def test_grabcut_finds_a_disc_on_a_noisy_background():
    image, disc = noisy_disc()
    found = selected(subject_in_rect(image, Box(85, 30, 260, 200)))
    assert iou(found, disc) > 0.9


def test_grabcut_on_a_big_photo_works_at_reduced_size(monkeypatch):
    monkeypatch.setattr(select, "GRABCUT_PIXELS", 15_000)
    image, disc = noisy_disc()
    found = selected(subject_in_rect(image, Box(85, 30, 260, 200)))
    assert iou(found, disc) > 0.9


def test_grabcut_rectangle_over_the_whole_photo_is_refused():
    image, _ = noisy_disc()
    with pytest.raises(MaskError, match="leave a margin"):
        subject_in_rect(image, Box(-10, -10, 400, 300))


def test_grabcut_rectangle_too_small_is_refused():
    image, _ = noisy_disc()
    with pytest.raises(MaskError, match="too small"):
        subject_in_rect(image, Box(10, 10, 12, 40))


def test_selection_modes_combine_pixel_by_pixel():
    current = np.array([[0, 255, 255, 100]], np.uint8)
    selection = np.array([[255, 255, 0, 255]], np.uint8)
    assert combine(current, selection, "add").tolist() == [[255, 255, 255, 255]]
    assert combine(current, selection, "subtract").tolist() == [[0, 0, 255, 0]]
    assert combine(current, selection, "intersect").tolist() == [[0, 255, 0, 100]]
    assert combine(current, selection, "replace").tolist() == [[255, 255, 0, 255]]


def test_selection_is_applied_as_one_undoable_step():
    image = two_colour_image()
    mask = Mask(100, 60)
    mask.fill_rect(Box(0, 0, 5, 5))
    before = mask.coverage.copy()
    edit = apply_selection(mask, magic_wand(image, 70, 30, 10, contiguous=False), "add", "Wand")
    assert edit is not None and edit.label == "Wand"
    assert np.array_equal(mask.binary(), (image == RED).all(axis=2) | (before >= 128))
    edit.undo(mask)
    assert np.array_equal(mask.coverage, before)
    edit.redo(mask)
    assert mask.binary()[25, 70]


def test_selection_that_changes_nothing_records_nothing():
    mask = Mask(100, 60)
    empty = np.zeros((60, 100), np.uint8)
    assert apply_selection(mask, empty, "add") is None
