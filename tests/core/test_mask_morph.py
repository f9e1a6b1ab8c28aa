"""Grow, shrink and feather: exact Euclidean reach, untouched image borders, undo."""

from __future__ import annotations

import numpy as np
import pytest

from maskpaint.core.mask import Box, Brush, Mask


def dot_mask(width: int = 41, height: int = 31, x: int = 20, y: int = 15) -> Mask:
    mask = Mask(width, height)
    mask.coverage[y, x] = 255
    return mask


def distance_from(width: int, height: int, x: int, y: int) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width]
    return np.hypot(xs - x, ys - y)


@pytest.mark.parametrize("px", [1, 3, 10])
def test_grow_adds_every_pixel_within_px_of_the_mask(px):
    mask = dot_mask()
    edit = mask.grow(px)
    assert edit is not None and edit.label == "Grow"
    assert np.array_equal(mask.binary(), distance_from(41, 31, 20, 15) <= px)


def test_grow_by_a_radius_equals_a_hard_dab_of_that_radius():
    grown, dab = dot_mask(), Mask(41, 31)
    grown.grow(7)
    dab.stroke(Brush(radius=7)).add_point(20.5, 15.5)
    assert np.array_equal(grown.binary(), dab.binary())


@pytest.mark.parametrize("px", [1, 4])
def test_shrink_removes_every_pixel_within_px_of_the_kept_area(px):
    mask = Mask(41, 31)
    mask.fill_rect(Box(5, 5, 30, 25))
    mask.shrink(px)
    expected = np.zeros((31, 41), bool)
    expected[5 + px : 25 - px, 5 + px : 30 - px] = True
    assert np.array_equal(mask.binary(), expected)


def test_shrink_undoes_grow_on_a_convex_shape():
    mask = Mask(60, 60)
    mask.fill_rect(Box(20, 20, 40, 40))
    before = mask.binary()
    mask.grow(5)
    mask.shrink(5)
    assert np.array_equal(mask.binary(), before)


def test_image_border_is_not_an_edge():
    full = Mask(20, 10, np.full((10, 20), 255, np.uint8))
    assert full.shrink(3) is None
    assert full.feather(3) is None
    half = Mask(20, 10)
    half.fill_rect(Box(0, 0, 10, 10))
    half.shrink(2)
    # Only the inner edge (x = 10) moves; the sides on the image border stay.
    assert half.bbox() == Box(0, 0, 8, 10)


def test_feather_softens_the_edge_without_changing_what_is_sent():
    mask = Mask(80, 60)
    mask.fill_ellipse(Box(10, 10, 70, 50))
    sent = mask.binary()
    edit = mask.feather(6)
    assert edit is not None
    assert np.array_equal(mask.binary(), sent)
    row = mask.coverage[30].astype(int)
    # A ramp rising over about 6 px across the left edge at x = 10, full inside.
    assert row[5] == 0 and row[40] == 255
    assert 0 < row[8] < row[9] < 128 <= row[10] < row[11] < 255
    assert (np.diff(row[:40]) >= 0).all()


def test_feather_of_an_empty_mask_changes_nothing():
    assert Mask(10, 10).feather(4) is None


def test_grow_shrink_feather_undo_and_redo_exactly():
    mask = Mask(90, 70)
    mask.fill_polygon([(10, 10), (80, 20), (40, 65)])
    for op in (mask.grow, mask.shrink, mask.feather):
        before = mask.coverage.copy()
        edit = op(4)
        assert edit is not None
        after = mask.coverage.copy()
        edit.undo(mask)
        assert np.array_equal(mask.coverage, before)
        edit.redo(mask)
        assert np.array_equal(mask.coverage, after)


def test_reshape_record_holds_only_the_changed_box():
    mask = Mask(2000, 1000)
    mask.fill_rect(Box(100, 100, 120, 110))
    edit = mask.grow(3)
    assert edit is not None and edit.box == Box(97, 97, 123, 113)
    assert edit.nbytes == 2 * 26 * 16


def test_zero_pixels_is_no_step_and_negative_is_refused():
    mask = dot_mask()
    assert mask.grow(0) is None and mask.shrink(0) is None and mask.feather(0) is None
    with pytest.raises(ValueError):
        mask.grow(-1)
