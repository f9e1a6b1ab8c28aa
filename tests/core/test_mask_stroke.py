"""Brush strokes: pixel-exact dabs, gap-free fast strokes, erase, pressure, undo records."""

from __future__ import annotations

import numpy as np
import pytest

from maskpaint.core.mask import Box, Brush, Mask


def centres(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:height, 0:width]
    return xs + 0.5, ys + 0.5


def segment_distance(width: int, height: int, a: tuple, b: tuple) -> np.ndarray:
    """Distance of every pixel centre to the segment a-b."""
    px, py = centres(width, height)
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = np.clip(((px - ax) * dx + (py - ay) * dy) / max(dx * dx + dy * dy, 1e-12), 0, 1)
    return np.hypot(px - (ax + t * dx), py - (ay + t * dy))


def test_hard_dab_covers_exactly_the_pixels_whose_centre_is_within_radius():
    mask = Mask(40, 30)
    stroke = mask.stroke(Brush(radius=6.3))
    dirty = stroke.add_point(17.2, 11.7)
    px, py = centres(40, 30)
    expected = np.hypot(px - 17.2, py - 11.7) <= 6.3
    assert np.array_equal(mask.coverage == 255, expected)
    assert np.array_equal(mask.coverage == 0, ~expected)
    assert dirty == Box(10, 5, 24, 18)


def test_smallest_brush_on_a_pixel_centre_paints_that_one_pixel():
    mask = Mask(5, 5)
    stroke = mask.stroke(Brush(radius=0.5))
    stroke.add_point(2.5, 3.5)
    assert np.argwhere(mask.coverage).tolist() == [[3, 2]]


def test_fast_stroke_200px_apart_leaves_no_gap():
    mask = Mask(300, 260)
    stroke = mask.stroke(Brush(radius=4))
    stroke.add_point(20.3, 30.1)
    stroke.add_point(220.3, 30.1)
    stroke.add_point(80.7, 230.9)
    near = np.minimum(
        segment_distance(300, 260, (20.3, 30.1), (220.3, 30.1)),
        segment_distance(300, 260, (220.3, 30.1), (80.7, 230.9)),
    )
    assert mask.coverage[near <= 3].min() == 255
    assert mask.coverage[near > 4].max() == 0


def test_wide_brush_stroke_is_covered_to_within_half_a_pixel_of_its_radius():
    mask = Mask(700, 500)
    stroke = mask.stroke(Brush(radius=200))
    stroke.add_point(250.0, 250.0)
    stroke.add_point(450.0, 250.0)
    dist = segment_distance(700, 500, (250.0, 250.0), (450.0, 250.0))
    assert mask.coverage[dist <= 199.5].min() == 255
    assert mask.coverage[dist > 200].max() == 0


def test_stroke_density_does_not_depend_on_pointer_speed():
    slow, fast = Mask(120, 40), Mask(120, 40)
    brush = Brush(radius=7, hardness=0.3)
    s = slow.stroke(brush)
    for x in np.linspace(10.0, 110.0, 101):
        s.add_point(float(x), 20.0)
    f = fast.stroke(brush)
    f.add_point(10.0, 20.0)
    f.add_point(110.0, 20.0)
    # Extra dabs at every pointer event may only fill the tiny dips between spaced dabs.
    assert np.abs(slow.coverage.astype(int) - fast.coverage).max() <= 4


def test_soft_brush_has_a_falloff_and_never_reaches_past_its_radius():
    mask = Mask(61, 61)
    mask.stroke(Brush(radius=20, hardness=0.5)).add_point(30.5, 30.5)
    row = mask.coverage[30]
    assert row[30] == 255 and row[30 + 9] == 255  # within radius * hardness
    assert 0 < row[30 + 15] < 255  # on the ramp
    assert row[30 + 20] == 0 and row[:11].max() == 0
    assert (np.diff(row[30:].astype(np.int16)) <= 0).all()


def test_overlapping_dabs_of_one_stroke_do_not_build_up():
    mask = Mask(80, 40)
    stroke = mask.stroke(Brush(radius=10, hardness=0.0))
    for _ in range(5):
        stroke.add_point(40.5, 20.5)
    single = Mask(80, 40)
    single.stroke(Brush(radius=10, hardness=0.0)).add_point(40.5, 20.5)
    assert np.array_equal(mask.coverage, single.coverage)


def test_pressure_scales_the_radius():
    mask = Mask(60, 60)
    mask.stroke(Brush(radius=20)).add_point(30.5, 30.5, pressure=0.25)
    px, py = centres(60, 60)
    assert np.array_equal(mask.coverage == 255, np.hypot(px - 30.5, py - 30.5) <= 5)


def test_eraser_removes_what_the_same_stroke_painted():
    mask = Mask(100, 80)
    points = [(10.0, 10.0), (90.0, 70.0), (20.0, 60.0)]
    for erase in (False, True):
        stroke = mask.stroke(Brush(radius=6, erase=erase))
        for x, y in points:
            stroke.add_point(x, y)
        stroke.finish()
    assert not mask.coverage.any()


def test_eraser_keeps_pixels_outside_its_reach():
    mask = Mask(50, 20, np.full((20, 50), 255, np.uint8))
    mask.stroke(Brush(radius=3, erase=True)).add_point(10.5, 10.5)
    assert mask.coverage[10, 10] == 0 and mask.coverage[10, 20] == 255


def test_stroke_outside_the_image_changes_nothing_and_records_nothing():
    mask = Mask(20, 20)
    stroke = mask.stroke(Brush(radius=3))
    assert stroke.add_point(-50.0, -50.0) is None
    assert stroke.finish() is None
    assert stroke.dirty is None


def test_dirty_is_the_union_of_the_boxes_add_point_returned():
    mask = Mask(100, 100)
    stroke = mask.stroke(Brush(radius=5))
    boxes = [stroke.add_point(x, y) for x, y in [(10, 10), (50, 20), (80, 90)]]
    union = boxes[0]
    for box in boxes[1:]:
        union = union.union(box)
    assert stroke.dirty == union
    assert not mask.coverage[: union.top].any() and not mask.coverage[:, union.right :].any()


def test_undo_and_redo_of_a_stroke_restore_the_exact_arrays():
    mask = Mask(300, 200)
    mask.fill_ellipse(Box(40, 40, 200, 150))
    before = mask.coverage.copy()
    stroke = mask.stroke(Brush(radius=12, hardness=0.4))
    for x, y in [(5, 5), (150, 100), (290, 20), (100, 190)]:
        stroke.add_point(x, y, pressure=0.7)
    edit = stroke.finish()
    after = mask.coverage.copy()
    assert edit is not None and edit.label == "Brush"
    assert edit.undo(mask) == edit.box
    assert np.array_equal(mask.coverage, before)
    edit.redo(mask)
    assert np.array_equal(mask.coverage, after)


def test_small_stroke_on_an_8k_mask_records_only_a_few_small_tiles():
    mask = Mask(7680, 4320)
    stroke = mask.stroke(Brush(radius=10))
    stroke.add_point(4000.0, 2000.0)
    stroke.add_point(4100.0, 2030.0)
    edit = stroke.finish()
    assert edit is not None
    assert edit.nbytes <= 2 * 4 * 64 * 64  # before + after of at most four tiles
    assert edit.nbytes < mask.coverage.nbytes / 1000


def test_stroke_over_already_painted_pixels_records_nothing():
    mask = Mask(64, 64, np.full((64, 64), 255, np.uint8))
    stroke = mask.stroke(Brush(radius=8))
    stroke.add_point(32, 32)
    assert stroke.finish() is None


def test_finished_stroke_refuses_more_points():
    mask = Mask(10, 10)
    stroke = mask.stroke(Brush(radius=2))
    stroke.finish()
    with pytest.raises(RuntimeError):
        stroke.add_point(5, 5)


@pytest.mark.parametrize(("radius", "hardness"), [(0.4, 1.0), (2.0, 1.5), (2.0, -0.1)])
def test_brush_rejects_impossible_settings(radius, hardness):
    with pytest.raises(ValueError):
        Brush(radius=radius, hardness=hardness)


def test_box_around_holds_every_pixel_the_disc_can_touch():
    box = Box.around(10.25, 3.75, 2.5)
    assert box == Box(7, 1, 13, 7)
    assert (box.width, box.height) == (6, 6)


def test_box_union_and_intersect():
    a, b = Box(0, 0, 10, 10), Box(5, 8, 20, 30)
    assert a.union(b) == Box(0, 0, 20, 30)
    assert a.intersect(b) == Box(5, 8, 10, 10)
    assert a.intersect(Box(10, 0, 12, 5)).is_empty
    assert Box(3, 3, 3, 9).union(a) == a
