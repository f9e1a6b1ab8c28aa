"""Export to the API's alpha-zero PNG and import of masks made by other tools."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from maskpaint.core.errors import MaskError
from maskpaint.core.mask import Box, Mask
from maskpaint.core.mask_io import MAX_PNG_BYTES


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def painted_mask(width: int = 60, height: int = 40) -> Mask:
    mask = Mask(width, height)
    mask.fill_ellipse(Box(5, 5, 40, 30))
    mask.coverage[0, :10] = np.arange(120, 140, 2, dtype=np.uint8)  # soft, around 50 %
    return mask


def test_export_is_rgba_of_the_image_size_with_alpha_zero_exactly_where_sent():
    mask = painted_mask()
    image = decode(mask.to_api_png())
    assert image.format == "PNG" and image.mode == "RGBA"
    assert image.size == (60, 40)
    pixels = np.asarray(image)
    assert np.array_equal(pixels[..., 3] == 0, mask.coverage >= 128)
    assert set(np.unique(pixels[..., 3])) == {0, 255}
    assert not pixels[..., :3].any()


def test_export_thresholds_soft_edges_at_half_coverage():
    mask = Mask(4, 1, np.array([[0, 127, 128, 255]], np.uint8))
    alpha = np.asarray(decode(mask.to_api_png()))[0, :, 3]
    assert alpha.tolist() == [255, 255, 0, 0]


def test_export_is_deterministic():
    assert painted_mask().to_api_png() == painted_mask().to_api_png()


@pytest.mark.parametrize(("width", "height"), [(1, 1), (7, 3), (8193, 17)])
def test_export_then_alpha_import_is_the_identity_on_odd_sizes(width, height):
    mask = Mask(width, height)
    mask.coverage[::2, ::3] = 255
    back = Mask.from_image(decode(mask.to_api_png()), (width, height), convention="alpha")
    assert np.array_equal(back.binary(), mask.binary())


def test_auto_detects_our_own_export_as_alpha():
    mask = painted_mask()
    back = Mask.from_image(decode(mask.to_api_png()), (60, 40))
    assert np.array_equal(back.binary(), mask.binary())


def test_luma_import_of_black_and_white_takes_white_as_edit():
    pixels = np.zeros((40, 60, 3), np.uint8)
    pixels[10:20, 30:50] = 255
    mask = Mask.from_image(Image.fromarray(pixels, "RGB"), (60, 40))
    expected = np.zeros((40, 60), bool)
    expected[10:20, 30:50] = True
    assert np.array_equal(mask.binary(), expected)


def test_luma_import_of_grayscale_keeps_soft_values():
    gray = np.tile(np.arange(0, 256, 4, dtype=np.uint8), (3, 1))
    mask = Mask.from_image(Image.fromarray(gray, "L"), (64, 3))
    assert np.array_equal(mask.coverage, gray)


def test_luma_import_of_a_one_bit_image():
    bits = Image.new("1", (8, 2), 0)
    bits.putpixel((3, 1), 1)
    mask = Mask.from_image(bits, (8, 2))
    assert np.argwhere(mask.binary()).tolist() == [[1, 3]]


def test_luma_import_of_a_sixteen_bit_image_uses_its_full_range():
    values = np.array([[0, 20000, 40000, 65535]], np.uint16)
    mask = Mask.from_image(Image.fromarray(values), (4, 1))
    assert mask.binary().tolist() == [[False, False, True, True]]


def test_opaque_rgba_is_read_as_luma():
    pixels = np.zeros((2, 2, 4), np.uint8)
    pixels[..., 3] = 255
    pixels[0, 1, :3] = 255
    mask = Mask.from_image(Image.fromarray(pixels, "RGBA"), (2, 2))
    assert mask.binary().tolist() == [[False, True], [False, False]]


def test_palette_png_with_transparency_is_read_as_alpha():
    image = Image.new("P", (3, 1), 0)
    image.putpalette([255, 255, 255, 0, 0, 0])
    image.putpixel((1, 0), 1)
    image.info["transparency"] = 1
    mask = Mask.from_image(image, (3, 1))
    assert mask.binary().tolist() == [[False, True, False]]


def test_explicit_luma_overrides_detection_of_an_rgba_mask():
    pixels = np.zeros((1, 2, 4), np.uint8)
    pixels[0, 0] = (255, 255, 255, 0)
    pixels[0, 1] = (0, 0, 0, 255)
    image = Image.fromarray(pixels, "RGBA")
    assert Mask.from_image(image, (2, 1)).binary().tolist() == [[True, False]]
    assert Mask.from_image(image, (2, 1), convention="luma").binary().tolist() == [[True, False]]
    pixels[0, 0] = (0, 0, 0, 0)
    image = Image.fromarray(pixels, "RGBA")
    assert Mask.from_image(image, (2, 1), convention="luma").binary().tolist() == [[False, False]]


def test_alpha_convention_on_an_image_without_alpha_is_a_clear_error():
    with pytest.raises(MaskError, match="no alpha channel"):
        Mask.from_image(Image.new("L", (4, 4)), (4, 4), convention="alpha")


def test_size_mismatch_names_both_sizes():
    with pytest.raises(MaskError) as caught:
        Mask.from_image(Image.new("L", (512, 512)), (600, 400))
    assert "512×512" in caught.value.user_message
    assert "600×400" in caught.value.user_message


def test_resize_uses_nearest_neighbour():
    small = np.zeros((2, 2), np.uint8)
    small[0, 1] = 255
    mask = Mask.from_image(Image.fromarray(small, "L"), (6, 4), resize=True)
    expected = np.zeros((4, 6), bool)
    expected[0:2, 3:6] = True
    assert np.array_equal(mask.binary(), expected)
    assert set(np.unique(mask.coverage)) == {0, 255}


def test_8k_checkerboard_mask_exports_under_4_mb():
    mask = Mask(8192, 8192)
    mask.coverage[0::2, 0::2] = 255
    mask.coverage[1::2, 1::2] = 255
    data = mask.to_api_png()
    assert len(data) < MAX_PNG_BYTES
    image = decode(data)
    assert image.size == (8192, 8192) and image.mode == "RGBA"
    assert np.asarray(image)[:2, :2, 3].tolist() == [[0, 255], [255, 0]]


def test_8k_noise_mask_that_cannot_fit_4_mb_is_refused_with_a_clear_error():
    noise = np.random.default_rng(7).integers(0, 2, (8192, 8192), dtype=np.uint8)
    noise *= 255
    mask = Mask(8192, 8192, noise)
    with pytest.raises(MaskError, match="4 MB") as caught:
        mask.to_api_png()
    assert "too detailed" in caught.value.user_message
