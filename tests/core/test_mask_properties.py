"""Property tests of the mask engine over random sizes, strokes, brushes and edit sequences."""

from __future__ import annotations

import io

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from maskpaint.core.mask import Box, Brush, Mask
from maskpaint.core.mask_morph import feathered, grown, shrunk

FAST = settings(max_examples=40, deadline=None)

sizes = st.tuples(st.integers(1, 48), st.integers(1, 48))
radii = st.floats(0.5, 12.0)
hardness = st.floats(0.0, 1.0)


def points(width: int, height: int, min_size: int = 1) -> st.SearchStrategy:
    coord_x = st.floats(-8.0, width + 8.0, allow_nan=False)
    coord_y = st.floats(-8.0, height + 8.0, allow_nan=False)
    pressure = st.floats(0.05, 1.0)
    return st.lists(st.tuples(coord_x, coord_y, pressure), min_size=min_size, max_size=6)


@st.composite
def masks_and_strokes(draw: st.DrawFn) -> tuple[Mask, Brush, list[tuple[float, float, float]]]:
    width, height = draw(sizes)
    brush = Brush(radius=draw(radii), hardness=draw(hardness))
    return Mask(width, height), brush, draw(points(width, height))


@st.composite
def coverages(draw: st.DrawFn) -> np.ndarray:
    width, height = draw(sizes)
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).integers(0, 256, (height, width), dtype=np.uint8)


def paint(mask: Mask, brush: Brush, path: list[tuple[float, float, float]]) -> None:
    stroke = mask.stroke(brush)
    for x, y, pressure in path:
        stroke.add_point(x, y, pressure)
    stroke.finish()


def eraser(brush: Brush) -> Brush:
    return Brush(brush.radius, brush.hardness, erase=True)


@FAST
@given(masks_and_strokes())
def test_paint_then_erase_the_same_stroke_leaves_nothing_sent(case):
    mask, brush, path = case
    paint(mask, brush, path)
    paint(mask, eraser(brush), path)
    assert not mask.binary().any()
    if brush.hardness == 1.0:
        assert not mask.coverage.any()


@FAST
@given(masks_and_strokes())
def test_hard_stroke_paints_only_within_reach_and_the_undo_record_restores_it(case):
    mask, brush, path = case
    brush = Brush(brush.radius)
    stroke = mask.stroke(brush)
    for x, y, pressure in path:
        stroke.add_point(x, y, pressure)
    painted = mask.coverage.copy()
    edit = stroke.finish()
    assert set(np.unique(painted)) <= {0, 255}
    if edit is None:
        assert not painted.any()
        return
    assert stroke.dirty is not None
    outside = np.ones_like(painted, dtype=bool)
    outside[stroke.dirty.slices] = False
    assert not painted[outside].any()
    edit.undo(mask)
    assert not mask.coverage.any()
    edit.redo(mask)
    assert np.array_equal(mask.coverage, painted)


@FAST
@given(
    st.floats(0.0, 60.0),
    st.floats(0.0, 60.0),
    st.floats(0.0, 6.3),
    st.floats(1.0, 10.0),
)
def test_fast_stroke_covers_every_pixel_within_half_a_pixel_of_its_radius(x0, y0, angle, radius):
    size = 400
    mask = Mask(size, size)
    start = (x0 + 170.0, y0 + 170.0)
    end = (start[0] + 200.0 * np.cos(angle), start[1] + 200.0 * np.sin(angle))
    stroke = mask.stroke(Brush(radius))
    stroke.add_point(*start)
    stroke.add_point(*end)
    ys, xs = np.mgrid[0:size, 0:size] + 0.5
    dx, dy = end[0] - start[0], end[1] - start[1]
    t = np.clip(((xs - start[0]) * dx + (ys - start[1]) * dy) / (dx * dx + dy * dy), 0, 1)
    dist = np.hypot(xs - start[0] - t * dx, ys - start[1] - t * dy)
    inside = (dist <= radius - 0.5) & (xs < size) & (ys < size) & (xs > 0) & (ys > 0)
    assert mask.coverage[inside].min() == 255
    assert not mask.coverage[dist > radius].any()


@FAST
@given(coverages())
def test_export_is_rgba_of_the_mask_size_with_alpha_zero_exactly_on_sent_pixels(coverage):
    height, width = coverage.shape
    mask = Mask(width, height, coverage)
    image = Image.open(io.BytesIO(mask.to_api_png()))
    assert image.mode == "RGBA" and image.size == (width, height)
    alpha = np.asarray(image)[..., 3]
    assert np.array_equal(alpha == 0, coverage >= 128)
    assert np.array_equal(alpha == 255, coverage < 128)


@FAST
@given(coverages(), st.sampled_from(["alpha", "auto"]))
def test_export_then_import_is_the_identity_on_what_is_sent(coverage, convention):
    height, width = coverage.shape
    mask = Mask(width, height, coverage)
    image = Image.open(io.BytesIO(mask.to_api_png()))
    back = Mask.from_image(image, (width, height), convention=convention)
    # With nothing sent the export is fully opaque; "auto" then reads it as luma, where
    # black is "keep" too.
    assert np.array_equal(back.binary(), mask.binary())


@st.composite
def edit_sequences(draw: st.DrawFn) -> tuple[Mask, list]:
    width, height = draw(sizes)
    mask = Mask(width, height)
    box = st.builds(
        lambda a, b, c, d: Box(min(a, c), min(b, d), max(a, c), max(b, d)),
        st.integers(-5, width + 5),
        st.integers(-5, height + 5),
        st.integers(-5, width + 5),
        st.integers(-5, height + 5),
    )
    stroke = st.tuples(radii, hardness, st.booleans(), points(width, height))
    ops = st.one_of(
        st.tuples(st.just("rect"), box, st.booleans()),
        st.tuples(st.just("ellipse"), box, st.booleans()),
        st.tuples(st.just("polygon"), points(width, height, 3), st.booleans()),
        st.tuples(st.just("stroke"), stroke),
        st.tuples(st.sampled_from(["clear", "invert"])),
        st.tuples(st.sampled_from(["grow", "shrink", "feather"]), st.integers(0, 4)),
    )
    return mask, draw(st.lists(ops, min_size=1, max_size=8))


def run(mask: Mask, op: tuple):
    name = op[0]
    if name == "rect":
        return mask.fill_rect(op[1], op[2])
    if name == "ellipse":
        return mask.fill_ellipse(op[1], op[2])
    if name == "polygon":
        return mask.fill_polygon([(x, y) for x, y, _ in op[1]], op[2])
    if name == "stroke":
        radius, hard, erase, path = op[1]
        stroke = mask.stroke(Brush(radius, hard, erase))
        for x, y, pressure in path:
            stroke.add_point(x, y, pressure)
        return stroke.finish()
    if name in ("clear", "invert"):
        return getattr(mask, name)()
    return getattr(mask, name)(op[1])


@FAST
@given(edit_sequences())
def test_undo_and_redo_of_any_edit_sequence_restore_the_exact_arrays(case):
    mask, ops = case
    snapshots, edits = [mask.coverage.copy()], []
    for op in ops:
        edit = run(mask, op)
        if edit is None:
            assert np.array_equal(mask.coverage, snapshots[-1]), f"{op[0]} changed but said not"
            continue
        assert edit.box.intersect(Box(0, 0, mask.width, mask.height)) == edit.box
        edits.append(edit)
        snapshots.append(mask.coverage.copy())
    for edit, snapshot in zip(reversed(edits), reversed(snapshots[:-1]), strict=True):
        edit.undo(mask)
        assert np.array_equal(mask.coverage, snapshot)
    for edit, snapshot in zip(edits, snapshots[1:], strict=True):
        edit.redo(mask)
        assert np.array_equal(mask.coverage, snapshot)


@FAST
@given(edit_sequences())
def test_shape_filled_then_subtracted_leaves_none_of_its_pixels(case):
    mask, ops = case
    for op in ops:
        if op[0] in ("rect", "ellipse", "polygon"):
            run(mask, (op[0], op[1], False))
            inside = mask.coverage == 255
            run(mask, (op[0], op[1], True))
            cleared = Mask(mask.width, mask.height)
            run(cleared, (op[0], op[1], False))
            assert not mask.coverage[cleared.coverage == 255].any()
            assert np.array_equal(mask.coverage == 255, inside & (cleared.coverage != 255))


@FAST
@given(coverages(), st.integers(1, 6), st.sampled_from(["grow", "shrink", "feather"]))
def test_reshaping_only_the_painted_region_equals_reshaping_the_whole_mask(coverage, px, name):
    height, width = coverage.shape
    # Empty margins for the cropped path to skip: top third, left half and faint pixels.
    coverage[: height // 3] = 0
    coverage[:, : width // 2] = 0
    coverage[coverage < 200] = 0
    mask = Mask(width, height, coverage)
    whole = {"grow": grown, "shrink": shrunk, "feather": feathered}[name](coverage, px)
    getattr(mask, name)(px)
    assert np.array_equal(mask.coverage, whole)


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(1, 24), st.booleans())
def test_grow_and_shrink_reach_exactly_px_whichever_method_runs(seed, px, shrink):
    rng = np.random.default_rng(seed)
    coverage = np.where(rng.random((30, 40)) < 0.02, 255, 0).astype(np.uint8)
    if shrink:
        coverage = 255 - coverage
    mask = Mask(40, 30, coverage)
    (mask.shrink if shrink else mask.grow)(px)
    # Brute force: distance from every pixel to every pixel on the moving side.
    seeds = np.argwhere((coverage < 128) if shrink else (coverage >= 128))
    ys, xs = np.mgrid[0:30, 0:40]
    if len(seeds) == 0:
        reach = np.zeros((30, 40), bool)
    else:
        d2 = (ys[..., None] - seeds[:, 0]) ** 2 + (xs[..., None] - seeds[:, 1]) ** 2
        reach = d2.min(axis=-1) <= px * px
    expected = (coverage >= 128) & ~reach if shrink else (coverage >= 128) | reach
    assert np.array_equal(mask.binary(), expected)
