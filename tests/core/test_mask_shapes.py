"""Shapes (rectangle, ellipse, lasso), clear, invert, replace and their undo records."""

from __future__ import annotations

import numpy as np
import pytest

from maskpaint.core.errors import MaskError
from maskpaint.core.mask import Box, Mask


def centres(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:height, 0:width]
    return xs + 0.5, ys + 0.5


def test_fill_rect_paints_exactly_the_box_clipped_to_the_image():
    mask = Mask(30, 20)
    edit = mask.fill_rect(Box(25, -5, 40, 3))
    expected = np.zeros((20, 30), bool)
    expected[0:3, 25:30] = True
    assert np.array_equal(mask.coverage == 255, expected)
    assert np.array_equal(mask.coverage == 0, ~expected)
    assert edit is not None and edit.box == Box(25, 0, 30, 3)


def test_fill_rect_subtract_cuts_a_hole():
    mask = Mask(30, 20)
    mask.fill_rect(Box(0, 0, 30, 20))
    mask.fill_rect(Box(10, 5, 20, 15), subtract=True)
    assert mask.edited_fraction() == pytest.approx(1 - 100 / 600)
    assert not mask.coverage[5:15, 10:20].any()
    assert mask.bbox() == Box(0, 0, 30, 20)


def test_fill_ellipse_covers_pixels_whose_centre_is_inside():
    mask = Mask(50, 40)
    mask.fill_ellipse(Box(5, 8, 45, 28))
    px, py = centres(50, 40)
    expected = ((px - 25) / 20) ** 2 + ((py - 18) / 10) ** 2 <= 1
    assert np.array_equal(mask.binary(), expected)


def test_fill_polygon_covers_pixels_whose_centre_is_inside():
    mask = Mask(60, 50)
    # An axis-aligned square on half-pixel edges: exactly pixels 10..29 x 5..24 inside.
    mask.fill_polygon([(10.0, 5.0), (30.0, 5.0), (30.0, 25.0), (10.0, 25.0)])
    expected = np.zeros((50, 60), bool)
    expected[5:25, 10:30] = True
    assert np.array_equal(mask.binary(), expected)


def test_fill_polygon_lasso_triangle_matches_the_centre_rule():
    mask = Mask(80, 80)
    tri = [(5.3, 4.1), (75.8, 20.6), (30.2, 70.9)]
    mask.fill_polygon(tri)
    px, py = centres(80, 80)

    def side(a, b):
        return (b[0] - a[0]) * (py - a[1]) - (b[1] - a[1]) * (px - a[0])

    sides = [side(tri[i], tri[(i + 1) % 3]) for i in range(3)]
    inside = (sides[0] >= 0) & (sides[1] >= 0) & (sides[2] >= 0)
    assert np.array_equal(mask.binary(), inside)


def test_polygon_with_fewer_than_three_points_changes_nothing():
    mask = Mask(10, 10)
    assert mask.fill_polygon([(1, 1), (5, 5)]) is None
    assert not mask.coverage.any()


def test_shapes_add_and_subtract_and_undo_restores_each_step():
    mask = Mask(64, 48)
    snapshots, edits = [mask.coverage.copy()], []
    for op in (
        lambda: mask.fill_rect(Box(4, 4, 40, 30)),
        lambda: mask.fill_ellipse(Box(20, 10, 60, 45)),
        lambda: mask.fill_polygon([(0, 0), (30, 40), (0, 40)], subtract=True),
        lambda: mask.fill_ellipse(Box(25, 15, 35, 25), subtract=True),
    ):
        edit = op()
        assert edit is not None
        edits.append(edit)
        snapshots.append(mask.coverage.copy())
    for edit, snapshot in zip(reversed(edits), reversed(snapshots[:-1]), strict=True):
        edit.undo(mask)
        assert np.array_equal(mask.coverage, snapshot)
    for edit, snapshot in zip(edits, snapshots[1:], strict=True):
        edit.redo(mask)
        assert np.array_equal(mask.coverage, snapshot)


def test_shape_that_changes_nothing_returns_none():
    mask = Mask(20, 20)
    assert mask.fill_rect(Box(2, 2, 8, 8), subtract=True) is None
    mask.fill_rect(Box(0, 0, 20, 20))
    assert mask.fill_ellipse(Box(2, 2, 8, 8)) is None
    assert mask.fill_rect(Box(30, 30, 40, 40)) is None


def test_clear_records_only_the_old_painted_region():
    mask = Mask(4000, 3000)
    mask.fill_rect(Box(100, 200, 164, 232))
    before = mask.coverage.copy()
    edit = mask.clear()
    assert edit is not None and edit.box == Box(100, 200, 164, 232)
    assert not mask.coverage.any()
    assert edit.nbytes == 64 * 32
    edit.undo(mask)
    assert np.array_equal(mask.coverage, before)
    edit.redo(mask)
    assert not mask.coverage.any()
    assert mask.clear() is None


def test_invert_swaps_sent_and_kept_and_stores_nothing():
    mask = Mask(7, 3)
    mask.fill_rect(Box(1, 1, 4, 2))
    mask.coverage[0, 6] = 100  # soft, not sent
    binary = mask.binary()
    snapshot = mask.coverage.copy()
    edit = mask.invert()
    assert edit is not None and edit.nbytes == 0
    assert np.array_equal(mask.binary(), ~binary)
    assert mask.coverage[0, 6] == 155
    edit.undo(mask)
    assert np.array_equal(mask.coverage, snapshot)


def test_edits_write_in_place_so_views_of_the_coverage_stay_valid():
    mask = Mask(20, 10)
    view = mask.coverage
    mask.fill_rect(Box(0, 0, 5, 5))
    mask.invert()
    mask.replace(np.full((10, 20), 7, np.uint8))
    mask.grow(2)
    assert mask.coverage is view


def test_replace_takes_new_coverage_as_one_undoable_step():
    mask = Mask(30, 20)
    new = np.zeros((20, 30), np.uint8)
    new[3:6, 4:9] = 200
    edit = mask.replace(new)
    assert edit is not None and edit.box == Box(4, 3, 9, 6)
    assert np.array_equal(mask.coverage, new)
    assert mask.replace(new) is None
    edit.undo(mask)
    assert not mask.coverage.any()


def test_replace_with_the_wrong_size_names_both_sizes():
    mask = Mask(30, 20)
    with pytest.raises(MaskError, match=r"20×30.*30×20"):
        mask.replace(np.zeros((30, 20), np.uint8))


def test_bbox_and_edited_fraction_count_only_sent_pixels():
    mask = Mask(10, 10)
    assert mask.bbox() is None and mask.edited_fraction() == 0.0
    mask.coverage[2, 3] = 127
    assert mask.bbox() is None
    mask.coverage[4, 5] = 128
    mask.coverage[6, 1] = 255
    assert mask.bbox() == Box(1, 4, 6, 7)
    assert mask.edited_fraction() == pytest.approx(0.02)


@pytest.mark.parametrize(("width", "height"), [(1, 1), (7, 3), (8193, 17)])
def test_odd_sizes_paint_and_undo(width, height):
    mask = Mask(width, height)
    edit = mask.fill_ellipse(Box(0, 0, width, height))
    assert edit is not None and mask.binary().any()
    assert mask.binary().shape == (height, width)
    edit.undo(mask)
    assert not mask.coverage.any()


def test_mask_copies_the_coverage_it_is_given():
    source = np.zeros((3, 4), np.uint8)
    mask = Mask(4, 3, source)
    mask.fill_rect(Box(0, 0, 4, 3))
    assert not source.any()
    assert mask.coverage.flags.c_contiguous


def test_box_spanning_a_drag_covers_what_the_same_polygon_covers():
    corners = (30.7, 22.2, 5.4, 3.5)  # dragged up and to the left
    box = Box.spanning(*corners)
    x0, y0, x1, y1 = corners
    lasso = Mask(40, 30)
    lasso.fill_polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
    rect = Mask(40, 30)
    rect.fill_rect(box)
    assert box == Box(5, 3, 31, 22)
    assert np.array_equal(rect.coverage, lasso.coverage)
