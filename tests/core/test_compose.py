"""Composite a variant into the original: exact outside the mask, the variant inside."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from maskpaint.core.compose import composite, fit_variant, inner_feather
from maskpaint.core.errors import MaskError
from maskpaint.core.mask import Box, Mask

FEATHER = 4.0


@pytest.fixture(scope="module")
def coffee(coffee_path: Path) -> Image.Image:
    return Image.open(coffee_path).convert("RGB")


def ellipse_mask(width: int, height: int, box: Box) -> Mask:
    mask = Mask(width, height)
    mask.fill_ellipse(box)
    return mask


def depth(mask: Mask) -> np.ndarray:
    """Per pixel, the distance to the nearest kept pixel (0 outside the mask).

    "Deep inside" is depth >= feather + 1: the feather's chamfer distance is within 2 %.
    """
    binary = np.ascontiguousarray(mask.binary(), dtype=np.uint8)
    return cv2.distanceTransform(binary, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def noise(width: int, height: int, seed: int = 0, mode: str = "RGB") -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, len(mode)), np.uint8), mode)


def answered(original: Image.Image, size: tuple[int, int], mask: Mask) -> Image.Image:
    """What a model answers: the picture redrawn at its size, the masked area repainted."""
    pixels = np.array(original)
    pixels[mask.binary()] = 255 - pixels[mask.binary()]
    return Image.fromarray(pixels, original.mode).resize(size, Image.Resampling.BICUBIC)


@pytest.mark.parametrize("align", [True, False])
@pytest.mark.parametrize("size", [(1536, 1024), (1024, 1024), (1024, 1536), (300, 200)])
def test_composite_equals_original_exactly_outside_the_mask(coffee, size, align):
    mask = ellipse_mask(600, 400, Box(180, 100, 420, 300))
    result = composite(coffee, noise(*size), mask, align=align)
    assert result.size == coffee.size and result.mode == "RGB"
    outside = ~mask.binary()
    assert np.array_equal(np.array(result)[outside], np.array(coffee)[outside])


@pytest.mark.parametrize("size", [(1536, 1024), (1024, 1024), (1024, 1536), (600, 400)])
def test_composite_equals_the_scaled_variant_deep_inside_the_mask(coffee, size):
    mask = ellipse_mask(600, 400, Box(180, 100, 420, 300))
    variant = answered(coffee, size, mask)
    result = np.array(composite(coffee, variant, mask))
    scaled = np.array(fit_variant(variant, coffee.size))
    deep = depth(mask) >= FEATHER + 1
    assert deep.sum() > 20_000
    assert np.array_equal(result[deep], scaled[deep])


def test_a_square_answer_is_stretched_back_to_the_photos_aspect():
    original = Image.new("RGB", (600, 400), (0, 0, 0))
    stripes = np.zeros((1024, 1024, 3), np.uint8)
    stripes[:, 512:] = 255  # right half white: after stretching, x >= 300 is white
    mask = Mask(600, 400, np.full((400, 600), 255, np.uint8))
    result = np.array(composite(original, Image.fromarray(stripes), mask, align=False))
    assert (result[:, :298] == 0).all() and (result[:, 302:] == 255).all()


def test_feather_ramps_up_inside_the_mask_only():
    original = Image.new("RGB", (80, 60), (0, 0, 0))
    variant = Image.new("RGB", (80, 60), (255, 255, 255))
    mask = Mask(80, 60)
    mask.fill_rect(Box(20, 15, 60, 45))
    result = np.array(composite(original, variant, mask, feather_px=FEATHER, align=False))[..., 0]
    row = result[30, 16:30].tolist()
    # Outside 0; from the edge inward 255 * 1/4, 2/4, 3/4, then the variant itself.
    assert row == [0, 0, 0, 0, 64, 128, 191, 255, 255, 255, 255, 255, 255, 255]
    assert np.array_equal(result > 0, mask.binary())


def test_zero_feather_is_a_hard_edge():
    original = Image.new("RGB", (40, 30), (0, 0, 0))
    variant = Image.new("RGB", (40, 30), (255, 255, 255))
    mask = ellipse_mask(40, 30, Box(5, 5, 35, 25))
    result = np.array(composite(original, variant, mask, feather_px=0, align=False))[..., 1]
    assert np.array_equal(result == 255, mask.binary())
    assert np.array_equal(result == 0, ~mask.binary())


def test_the_photos_border_is_not_feathered():
    mask = Mask(50, 40)
    mask.fill_rect(Box(0, 0, 25, 40))  # touches the left, top and bottom borders
    weights = inner_feather(mask.binary(), Box(0, 0, 50, 40), FEATHER)
    assert (weights[:, :21] == 1).all()
    assert weights[20, 21:25].tolist() == [1.0, 0.75, 0.5, 0.25]


def test_alpha_of_an_rgba_original_is_kept_outside_and_blended_inside():
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (120, 160, 4), np.uint8)
    original = Image.fromarray(pixels, "RGBA")
    mask = ellipse_mask(160, 120, Box(40, 30, 120, 90))
    result = composite(original, Image.new("RGB", (1536, 1024), (10, 200, 30)), mask)
    out = np.array(result)
    assert result.mode == "RGBA"
    assert np.array_equal(out[~mask.binary()], pixels[~mask.binary()])
    deep = depth(mask) >= FEATHER + 1
    assert (out[deep] == (10, 200, 30, 255)).all()


def test_transparent_variant_pixels_let_an_rgb_original_show():
    original = Image.new("RGB", (64, 48), (40, 50, 60))
    variant = np.zeros((48, 64, 4), np.uint8)
    variant[:, :32] = (250, 0, 0, 255)  # left half opaque red, right half transparent
    mask = Mask(64, 48, np.full((48, 64), 255, np.uint8))
    out = np.array(composite(original, Image.fromarray(variant, "RGBA"), mask, align=False))
    assert (out[:, :31] == (250, 0, 0)).all()
    assert (out[:, 33:] == (40, 50, 60)).all()


def test_alignment_undoes_a_small_shift_and_zoom(coffee):
    width, height = coffee.size
    pixels = np.array(coffee)
    # The model's answer: the photo 2 % larger and moved 5 px right, 3 px up.
    drift = np.array([[1.02, 0, 5 - 0.01 * width], [0, 1.02, -3 - 0.01 * height]])
    drifted = cv2.warpAffine(pixels, drift, coffee.size, flags=cv2.INTER_CUBIC)
    variant = Image.fromarray(drifted).resize((1536, 1024), Image.Resampling.BICUBIC)
    mask = ellipse_mask(width, height, Box(200, 120, 400, 280))
    deep = depth(mask) >= 6

    def error(align: bool) -> float:
        out = np.array(composite(coffee, variant, mask, align=align)).astype(int)
        return float(np.abs(out - pixels)[deep].mean())

    assert error(align=False) > 10
    assert error(align=True) < 3


def test_alignment_keeps_the_plain_scale_for_an_unrelated_variant(coffee):
    mask = ellipse_mask(600, 400, Box(200, 120, 400, 280))
    variant = noise(1536, 1024, seed=7)
    aligned = composite(coffee, variant, mask, align=True)
    plain = composite(coffee, variant, mask, align=False)
    assert np.array_equal(np.array(aligned), np.array(plain))


def test_alignment_keeps_the_plain_scale_when_the_mask_covers_nearly_everything(coffee):
    mask = Mask(600, 400, np.full((400, 600), 255, np.uint8))
    mask.fill_rect(Box(0, 0, 20, 20), subtract=True)
    variant = noise(1536, 1024, seed=8)
    aligned = composite(coffee, variant, mask, align=True)
    assert np.array_equal(
        np.array(aligned), np.array(composite(coffee, variant, mask, align=False))
    )


def test_empty_mask_gives_the_original_back(coffee):
    result = composite(coffee, noise(1024, 1024), Mask(600, 400))
    assert np.array_equal(np.array(result), np.array(coffee))


def test_a_mask_of_another_size_is_refused(coffee):
    with pytest.raises(MaskError) as caught:
        composite(coffee, noise(600, 400), Mask(300, 200))
    assert caught.value.user_message == (
        "The mask is 300×200 but the image is 600×400; use the mask painted on this image."
    )


def test_palette_variant_is_read_as_rgb(coffee):
    mask = ellipse_mask(600, 400, Box(200, 120, 400, 280))
    variant = Image.new("P", (1024, 1024), 3)
    variant.putpalette([0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 34, 56] + [0] * 756)
    out = np.array(composite(coffee, variant, mask, align=False))
    assert (out[depth(mask) >= FEATHER + 1] == (12, 34, 56)).all()


@settings(max_examples=40, deadline=None)
@given(
    shapes=st.lists(
        st.tuples(st.integers(-20, 100), st.integers(-20, 70), st.integers(1, 60), st.booleans()),
        min_size=1,
        max_size=4,
    ),
    feather=st.floats(0, 12),
    size=st.sampled_from([(96, 64), (64, 64), (200, 50), (1536, 1024)]),
    mode=st.sampled_from(["RGB", "RGBA"]),
)
def test_composite_never_changes_a_pixel_outside_the_mask(shapes, feather, size, mode):
    original = noise(96, 64, seed=1, mode=mode)
    mask = Mask(96, 64)
    for x, y, extent, ellipse in shapes:
        box = Box(x, y, x + extent, y + extent // 2 + 1)
        (mask.fill_ellipse if ellipse else mask.fill_rect)(box)
    result = np.array(composite(original, noise(*size, seed=2), mask, feather_px=feather))
    outside = ~mask.binary()
    assert np.array_equal(result[outside], np.array(original)[outside])


@pytest.mark.parametrize("feather", [-1.0, float("nan"), float("inf")])
def test_a_feather_that_is_not_a_width_is_refused(feather):
    with pytest.raises(ValueError, match="feather"):
        inner_feather(np.ones((4, 4), bool), Box(0, 0, 4, 4), feather)
