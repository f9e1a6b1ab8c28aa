"""Crop to mask: the plan's geometry, the inputs it sends, and the paste back."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from maskpaint.core.compose import (
    CropPlan,
    best_size,
    composite,
    crop_inputs,
    fit_variant,
    paste_back,
    plan_crop,
)
from maskpaint.core.errors import MaskError
from maskpaint.core.mask import Box, Mask
from maskpaint.core.models import STANDARD_SIZES, get_model, parse_size

GPT = get_model("gpt-image-1.5")
GPT2 = get_model("gpt-image-2")
DALLE = get_model("dall-e-2")
BIG = (6000, 4000)


def rect_mask(size: tuple[int, int], box: Box) -> Mask:
    mask = Mask(*size)
    mask.fill_rect(box)
    return mask


def contains(outer: Box, inner: Box) -> bool:
    return outer.intersect(inner) == inner


def aspect(size: tuple[int, int]) -> float:
    return size[0] / size[1]


def test_crop_holds_the_mask_and_its_padding():
    mask = rect_mask(BIG, Box(3000, 2000, 3200, 2100))
    plan = plan_crop(BIG, mask, GPT, padding=40)
    assert contains(plan.crop, Box(2960, 1960, 3240, 2140))
    assert contains(Box(0, 0, *BIG), plan.crop)
    assert not plan.whole_image


@pytest.mark.parametrize(
    "box", [Box(0, 0, 100, 80), Box(5900, 3950, 6000, 4000), Box(0, 3000, 50, 4000)]
)
def test_crop_near_the_border_is_clamped_inside_the_image(box):
    plan = plan_crop(BIG, rect_mask(BIG, box), GPT, padding=64)
    assert contains(Box(0, 0, *BIG), plan.crop)
    assert contains(plan.crop, box)
    assert abs(aspect((plan.crop.width, plan.crop.height)) - aspect(plan.send_size)) < 0.01


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        (Box(1000, 1000, 1300, 1200), "1536x1024"),  # wide
        (Box(1000, 1000, 1100, 1400), "1024x1536"),  # tall
        (Box(1000, 1000, 1200, 1210), "1024x1024"),  # square
    ],
)
def test_crop_takes_the_standard_size_of_the_nearest_aspect(box, expected):
    plan = plan_crop(BIG, rect_mask(BIG, box), GPT, padding=0)
    assert plan.size == expected and plan.size in STANDARD_SIZES
    assert abs(aspect((plan.crop.width, plan.crop.height)) - aspect(plan.send_size)) < 0.01


def test_gpt_image_2_crop_is_sent_at_multiples_of_16_within_its_rule():
    plan = plan_crop(BIG, rect_mask(BIG, Box(2000, 1500, 2333, 1611)), GPT2, padding=32)
    width, height = plan.send_size
    assert width % 16 == 0 and height % 16 == 0
    assert GPT2.size_problem(plan.size) is None
    assert abs(aspect((plan.crop.width, plan.crop.height)) / aspect(plan.send_size) - 1) < 0.02


def test_a_strip_wider_than_3_to_1_is_cropped_at_3_to_1_for_gpt_image_2():
    plan = plan_crop(BIG, rect_mask(BIG, Box(1000, 2000, 2500, 2050)), GPT2, padding=10)
    assert (plan.crop.width, plan.crop.height) == (1520, 507)  # 1520 / 3, rounded up
    assert GPT2.size_problem(plan.size) is None
    assert aspect(plan.send_size) == pytest.approx(3.0, abs=0.01)


def test_dall_e_2_crop_is_square():
    plan = plan_crop(BIG, rect_mask(BIG, Box(100, 100, 500, 200)), DALLE)
    assert plan.size == "1024x1024"
    assert plan.crop.width == plan.crop.height


def test_mask_covering_most_of_the_image_sends_the_whole_image():
    mask = rect_mask(BIG, Box(500, 500, 5500, 3500))
    plan = plan_crop(BIG, mask, GPT)
    assert plan.whole_image and plan.crop == Box(0, 0, *BIG)
    assert plan.send_size == plan.whole_send_size == (1536, 1024)
    assert plan.gain == 1.0
    assert "sent whole" in plan.summary()


def test_empty_mask_cannot_be_cropped_to():
    with pytest.raises(MaskError, match="The mask is empty"):
        plan_crop(BIG, Mask(*BIG), GPT)


def test_crop_gives_a_small_edit_many_more_model_pixels():
    plan = plan_crop(BIG, rect_mask(BIG, Box(3000, 2000, 3300, 2200)), GPT)
    assert plan.whole_density == pytest.approx(1536 * 1024 / (6000 * 4000))
    assert plan.crop_density == pytest.approx(1536 * 1024 / (plan.crop.width * plan.crop.height))
    assert plan.gain > 50
    assert "model pixels per photo pixel" in plan.summary()


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12000), st.integers(1, 12000))
def test_best_free_size_always_obeys_gpt_image_2s_rule(width, height):
    size = best_size(width, height, GPT2)
    assert GPT2.size_problem(f"{size[0]}x{size[1]}") is None
    assert size[0] * size[1] <= 2560 * 1440  # never into the experimental range


def test_unknown_models_get_a_standard_size():
    assert best_size(6000, 4000, get_model("some-gateway-model")) == (1536, 1024)


@pytest.fixture(scope="module")
def photo(coffee_path: Path) -> Image.Image:
    """The sample, 3x: big enough for a crop to pay."""
    return Image.open(coffee_path).convert("RGB").resize((1800, 1200), Image.Resampling.BICUBIC)


@pytest.fixture(scope="module")
def small_mask() -> Mask:
    mask = Mask(1800, 1200)
    mask.fill_ellipse(Box(900, 500, 1100, 640))
    return mask


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


def test_crop_inputs_are_the_crop_and_its_mask_at_the_send_size(photo, small_mask):
    plan = plan_crop(photo.size, small_mask, GPT)
    image_png, mask_png = crop_inputs(photo, small_mask, plan)
    image, mask = decode(image_png), decode(mask_png)
    assert image.size == mask.size == plan.send_size
    assert mask.mode == "RGBA"
    c = plan.crop
    expected_crop = fit_variant(photo.crop((c.left, c.top, c.right, c.bottom)), plan.send_size)
    assert np.array_equal(np.array(image), np.array(expected_crop))
    # The mask's edit area, scaled back to the crop, is where the photo's mask is.
    sent = np.array(mask)[..., 3] == 0
    back = cv2.resize(sent.view(np.uint8), (c.width, c.height), interpolation=cv2.INTER_NEAREST)
    disagree = back.astype(bool) != small_mask.binary()[c.slices]
    assert disagree.sum() < 0.02 * small_mask.binary().sum()


def test_paste_back_is_exact_outside_the_mask_and_the_variant_inside(photo, small_mask):
    plan = plan_crop(photo.size, small_mask, GPT)
    image_png, _ = crop_inputs(photo, small_mask, plan)
    answer = 255 - np.array(decode(image_png))  # a repainted crop at the send size
    result = np.array(paste_back(photo, Image.fromarray(answer), small_mask, plan, 4.0))
    original = np.array(photo)
    outside = ~small_mask.binary()
    assert result.shape == original.shape
    assert np.array_equal(result[outside], original[outside])
    binary = np.ascontiguousarray(small_mask.binary(), dtype=np.uint8)
    deep = cv2.distanceTransform(binary, cv2.DIST_L2, cv2.DIST_MASK_PRECISE) >= 5
    c = plan.crop
    expected = np.array(fit_variant(Image.fromarray(answer), (c.width, c.height)))
    assert np.array_equal(result[c.slices][deep[c.slices]], expected[deep[c.slices]])


def test_paste_back_of_a_whole_image_plan_is_the_composite(photo):
    mask = rect_mask(photo.size, Box(100, 100, 1700, 1100))
    plan = plan_crop(photo.size, mask, GPT)
    assert plan.whole_image
    variant = Image.new("RGB", (1536, 1024), (1, 2, 3))
    pasted = paste_back(photo, variant, mask, plan, 4.0)
    assert np.array_equal(np.array(pasted), np.array(composite(photo, variant, mask)))


def test_paste_back_refuses_a_plan_for_another_image(photo, small_mask):
    plan = CropPlan((900, 600), Box(0, 0, 100, 100), (1024, 1024), (1536, 1024))
    with pytest.raises(ValueError, match="plan"):
        paste_back(photo, Image.new("RGB", (1024, 1024)), small_mask, plan)


def test_plan_size_field_is_parseable():
    plan = plan_crop(BIG, rect_mask(BIG, Box(10, 10, 20, 20)), GPT2)
    assert parse_size(plan.size) == plan.send_size
