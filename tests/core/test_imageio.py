"""Opening, normalizing and encoding images: real files, odd files, bad files."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from maskpaint.core import imageio
from maskpaint.core.errors import ImageError
from maskpaint.core.imageio import (
    ACCEPTED_FORMATS,
    MAX_PIXELS,
    downscale_to_fit,
    encode,
    from_array,
    image_size,
    mime_for,
    normalize,
    open_image,
    sniff_format,
    to_rgba_array,
)
from tests.core import oddimages

SAMPLES = [("coffee.png", 600, 400, "PNG"), ("chelsea.png", 451, 300, "PNG")]
SAMPLES += [("rocket.jpg", 640, 427, "JPEG")]


def pixel(image: Image.Image, x: int, y: int) -> tuple[int, ...]:
    return tuple(int(v) for v in np.asarray(image)[y, x])


def near(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 6) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def open_error(source: Path | str | bytes, **kwargs: int) -> str:
    with pytest.raises(ImageError) as caught:
        open_image(source, **kwargs)
    message = caught.value.user_message
    assert "\n" not in message and "Traceback" not in message and "PIL" not in message
    return message


# -- real photos -----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "width", "height", "fmt"), SAMPLES)
def test_sample_photos_open_as_rgb_with_their_facts(
    samples_dir: Path, name: str, width: int, height: int, fmt: str
) -> None:
    path = samples_dir / name
    loaded = open_image(path)
    assert loaded.image.mode == "RGB" and loaded.image.size == (width, height)
    assert loaded.info == imageio.ImageInfo(
        width=width,
        height=height,
        format=fmt,
        mode="RGB",
        file_bytes=path.stat().st_size,
        has_alpha=False,
        exif_rotated=False,
    )
    assert loaded.info.megapixels == pytest.approx(width * height / 1e6)
    assert loaded.source == path
    with Image.open(path) as reference:
        assert np.array_equal(np.asarray(loaded.image), np.asarray(reference.convert("RGB")))


def test_bytes_and_str_paths_open_the_same_pixels(coffee_path: Path) -> None:
    from_path = open_image(str(coffee_path))
    from_bytes = open_image(coffee_path.read_bytes())
    assert from_path.source == coffee_path and from_bytes.source is None
    assert from_bytes.info == from_path.info
    assert np.array_equal(np.asarray(from_bytes.image), np.asarray(from_path.image))


def test_an_8k_frame_and_a_24_mp_photo_open_under_the_default_limit(tmp_path: Path) -> None:
    for width, height, fmt in ((7680, 4320, "PNG"), (6000, 4000, "JPEG")):
        path = tmp_path / f"big.{fmt.lower()}"
        Image.new("RGB", (width, height), (10, 200, 30)).save(path, fmt)
        loaded = open_image(path)
        assert loaded.image.size == (width, height)
        assert near(pixel(loaded.image, width - 1, height - 1), (10, 200, 30))


# -- odd files -------------------------------------------------------------------------


def test_cmyk_jpeg_pure_red_ink_comes_out_red(tmp_path: Path) -> None:
    path = tmp_path / "print.jpg"
    path.write_bytes(oddimages.cmyk_jpeg())
    loaded = open_image(path)
    assert loaded.info.mode == "CMYK" and loaded.image.mode == "RGB"
    assert near(pixel(loaded.image, 5, 10), (255, 0, 0))
    assert near(pixel(loaded.image, 35, 10), (0, 255, 255))


def test_cmyk_jpeg_colours_come_from_its_embedded_icc_profile() -> None:
    data = oddimages.cmyk_jpeg(icc_profile=oddimages.cyan_prints_red_profile())
    loaded = open_image(data)
    # The profile says cyan ink prints red and magenta + yellow print nothing; its
    # 8-bit Lab table is coarse, hence the looser tolerance on red.
    assert near(pixel(loaded.image, 35, 10), (255, 0, 0), tolerance=10)
    assert near(pixel(loaded.image, 5, 10), (255, 255, 255))


def test_cmyk_profile_does_not_follow_the_pixels_into_rgb() -> None:
    loaded = open_image(oddimages.cmyk_jpeg(icc_profile=oddimages.cyan_prints_red_profile()))
    assert "icc_profile" not in loaded.image.info
    with Image.open(io.BytesIO(encode(loaded.image, "PNG"))) as written:
        assert "icc_profile" not in written.info  # a CMYK profile in an RGB PNG is invalid


def test_cmyk_jpeg_with_an_unreadable_profile_falls_back_to_pillows_colours() -> None:
    loaded = open_image(oddimages.cmyk_jpeg(icc_profile=b"not an ICC profile" * 8))
    assert near(pixel(loaded.image, 5, 10), (255, 0, 0))
    assert near(pixel(loaded.image, 35, 10), (0, 255, 255))


def test_16_bit_png_is_scaled_to_8_bit_not_clipped() -> None:
    loaded = open_image(oddimages.sixteen_bit_png([0, 255, 256, 32768, 65535]))
    assert loaded.info.mode == "I;16" and loaded.image.mode == "RGB"
    assert np.asarray(loaded.image)[0, :, 0].tolist() == [0, 0, 1, 128, 255]
    assert np.ptp(np.asarray(loaded.image), axis=2).max() == 0  # grey stays grey


def test_16_bit_png_transparent_grey_level_becomes_alpha_zero() -> None:
    loaded = open_image(oddimages.sixteen_bit_png([100, 40000, 65535], transparency=40000))
    assert loaded.info.has_alpha and loaded.image.mode == "RGBA"
    assert np.asarray(loaded.image)[0, :, 3].tolist() == [255, 0, 255]


def test_palette_png_with_transparency_keeps_every_alpha_level() -> None:
    loaded = open_image(oddimages.palette_png([0, 128, 255]))
    assert loaded.info.mode == "P" and loaded.info.has_alpha
    assert np.asarray(loaded.image)[0].tolist() == [
        [0, 20, 30, 0],
        [10, 20, 30, 128],
        [20, 20, 30, 255],
    ]


def test_palette_png_without_transparency_is_rgb() -> None:
    image = Image.new("P", (2, 1))
    image.putpalette([255, 0, 0, 0, 0, 255])
    image.putdata([0, 1])
    loaded = open_image(oddimages.save(image, "PNG"))
    assert loaded.image.mode == "RGB" and not loaded.info.has_alpha
    assert np.asarray(loaded.image)[0].tolist() == [[255, 0, 0], [0, 0, 255]]


def test_la_png_keeps_grey_and_alpha() -> None:
    image = Image.new("LA", (2, 1))
    image.putdata([(90, 255), (200, 60)])
    loaded = open_image(oddimages.save(image, "PNG"))
    assert loaded.info.mode == "LA" and loaded.image.mode == "RGBA"
    assert np.asarray(loaded.image)[0].tolist() == [[90, 90, 90, 255], [200, 200, 200, 60]]


def test_one_bit_png_is_black_and_white_rgb() -> None:
    image = Image.new("1", (2, 1))
    image.putdata([0, 1])
    loaded = open_image(oddimages.save(image, "PNG"))
    assert loaded.info.mode == "1" and loaded.image.mode == "RGB"
    assert np.asarray(loaded.image)[0].tolist() == [[0, 0, 0], [255, 255, 255]]


@pytest.mark.parametrize(
    ("orientation", "size", "marked_corner"),
    [
        (1, (40, 20), "top-left"),
        (3, (40, 20), "bottom-right"),
        (6, (20, 40), "top-right"),
        (8, (20, 40), "bottom-left"),
    ],
)
def test_exif_orientation_turns_the_photo_upright(
    tmp_path: Path, orientation: int, size: tuple[int, int], marked_corner: str
) -> None:
    path = tmp_path / "phone.jpg"
    path.write_bytes(oddimages.rotated_jpeg(orientation))
    loaded = open_image(path)
    assert loaded.image.size == size and (loaded.info.width, loaded.info.height) == size
    assert loaded.info.exif_rotated == (orientation != 1)
    width, height = size
    corners = {
        "top-left": (2, 2),
        "top-right": (width - 3, 2),
        "bottom-left": (2, height - 3),
        "bottom-right": (width - 3, height - 3),
    }
    for corner, (x, y) in corners.items():
        expected = (255, 0, 0) if corner == marked_corner else (255, 255, 255)
        assert near(pixel(loaded.image, x, y), expected, tolerance=12), corner


@pytest.mark.parametrize(
    ("mode", "fill", "expected"),
    [
        ("1", 1, (255, 255, 255)),
        ("L", 100, (100, 100, 100)),
        ("LA", (100, 50), (100, 100, 100, 50)),
        ("La", (50, 128), (99, 99, 99, 128)),
        ("RGBX", (1, 2, 3, 0), (1, 2, 3)),
        ("RGBa", (100, 0, 0, 128), (199, 0, 0, 128)),
        ("YCbCr", (76, 85, 255), (254, 0, 0)),
        ("HSV", (0, 255, 255), (255, 0, 0)),
        ("LAB", (255, 128, 128), (255, 255, 255)),
        ("I", 65535, (255, 255, 255)),
        ("I;16", 32768, (128, 128, 128)),
        ("I;16B", 65535, (255, 255, 255)),
        ("F", 127.6, (128, 128, 128)),
        ("CMYK", (0, 255, 255, 0), (255, 0, 0)),
    ],
)
def test_normalize_turns_every_mode_into_rgb_or_rgba(
    mode: str, fill: float | tuple[int, ...], expected: tuple[int, ...]
) -> None:
    result = normalize(Image.new(mode, (3, 2), fill))
    assert result.mode == ("RGBA" if len(expected) == 4 else "RGB")
    assert near(pixel(result, 2, 1), expected, tolerance=2)


def test_normalize_returns_rgb_and_rgba_images_themselves() -> None:
    for mode in ("RGB", "RGBA"):
        image = Image.new(mode, (2, 2))
        assert normalize(image) is image


def test_rgb_with_a_transparent_colour_becomes_rgba() -> None:
    image = Image.new("RGB", (2, 1), (1, 2, 3))
    image.putpixel((1, 0), (9, 9, 9))
    loaded = open_image(oddimages.save(image, "PNG", transparency=(1, 2, 3)))
    assert np.asarray(loaded.image)[0, :, 3].tolist() == [0, 255]


# -- files we refuse -------------------------------------------------------------------


def test_truncated_png_says_it_is_truncated(coffee_path: Path) -> None:
    data = coffee_path.read_bytes()
    message = open_error(data[: len(data) // 2])
    assert "truncated" in message and "again" in message


def test_truncated_jpeg_says_it_is_truncated(samples_dir: Path) -> None:
    data = (samples_dir / "rocket.jpg").read_bytes()
    assert "truncated" in open_error(data[: len(data) // 2])


def test_png_cut_inside_its_header_says_it_is_truncated(coffee_path: Path) -> None:
    assert "truncated" in open_error(coffee_path.read_bytes()[:20])


def test_png_with_garbled_image_data_says_it_is_damaged(coffee_path: Path) -> None:
    data = bytearray(coffee_path.read_bytes())
    data[5000:5100] = b"x" * 100
    assert "is damaged" in open_error(bytes(data))


def test_text_file_named_png_is_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("shopping list: milk, eggs\n")
    message = open_error(path)
    assert message.startswith("notes.png is not an image") and "PNG, JPEG or WebP" in message


def test_empty_file_says_it_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    assert "empty" in open_error(path)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused_naming_the_format(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "picture.img"
    Image.new("RGB", (4, 4), (1, 2, 3)).save(path, fmt)
    message = open_error(path)
    assert f"is a {fmt} image" in message and "PNG, JPEG or WebP" in message


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_formats_open_for_conversion_when_asked(fmt: str) -> None:
    data = oddimages.save(Image.new("RGB", (4, 3), (200, 10, 10)), fmt)
    loaded = open_image(data, formats=imageio.CONVERTIBLE_FORMATS)
    assert loaded.info.format == fmt and loaded.image.size == (4, 3)
    assert near(pixel(loaded.image, 1, 1), (200, 10, 10))


def test_messages_name_the_image_as_the_caller_does() -> None:
    with pytest.raises(ImageError) as error:
        open_image(b"\x89PNG\r\n\x1a\n broken", name="Image 2 (door.png)")
    assert error.value.user_message.startswith("Image 2 (door.png) is ")


def test_decompression_bomb_is_refused_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[object] = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self))
    path = tmp_path / "bomb.png"
    path.write_bytes(oddimages.png_claiming_size(100_000, 100_000))
    message = open_error(path)
    assert "100000×100000" in message and f"{MAX_PIXELS:,}" in message
    assert decoded == []


def test_pixel_limit_is_ours_whatever_pillows_global_says(
    coffee_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert open_image(coffee_path).image.size == (600, 400)
    message = open_error(coffee_path, max_pixels=600 * 400 - 1)
    assert "600×400" in message and "239,999 pixels" in message


def test_missing_file_says_it_was_not_found(tmp_path: Path) -> None:
    message = open_error(tmp_path / "gone.png")
    assert message.startswith("gone.png was not found") and str(tmp_path) in message


def test_folder_is_not_an_image(tmp_path: Path) -> None:
    assert "is a folder" in open_error(tmp_path)


def test_unreadable_file_says_permission_denied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root in CI, where chmod 000 cannot stop a read: force the OS error.
    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    message = open_error(tmp_path / "locked.png")
    assert message.startswith("locked.png can't be read: permission denied")


# -- encode ----------------------------------------------------------------------------


def gradient_rgba() -> Image.Image:
    ys, xs = np.mgrid[0:32, 0:48]
    array = np.stack([xs * 5, ys * 7, xs + ys, (xs * 9) % 256], axis=2).astype(np.uint8)
    return Image.fromarray(array)


def test_png_round_trip_is_lossless_for_rgb_and_rgba() -> None:
    rgba = gradient_rgba()
    for image in (rgba, rgba.convert("RGB")):
        data = encode(image, "PNG")
        assert sniff_format(data) == "PNG"
        back = open_image(data).image
        assert back.mode == image.mode
        assert np.array_equal(np.asarray(back), np.asarray(image))


def test_png_compress_level_trades_bytes_for_speed(coffee_path: Path) -> None:
    image = open_image(coffee_path).image
    fast, small = encode(image, "PNG"), encode(image, "PNG", compress_level=9)
    assert len(small) < len(fast)
    assert np.array_equal(np.asarray(open_image(small).image), np.asarray(image))


def test_jpeg_round_trip_stays_close(coffee_path: Path) -> None:
    image = open_image(coffee_path).image
    back = open_image(encode(image, "JPEG")).image
    error = np.abs(np.asarray(back, dtype=int) - np.asarray(image, dtype=int)).mean()
    assert back.size == image.size and error < 3


def test_jpeg_of_rgba_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (24, 8), (0, 0, 0, 0))  # transparent black underneath
    image.paste((255, 0, 0, 255), (8, 0, 16, 8))
    image.paste((0, 0, 255, 128), (16, 0, 24, 8))
    back = open_image(encode(image, "JPEG", quality=95)).image
    assert back.mode == "RGB"
    assert near(pixel(back, 3, 4), (255, 255, 255))
    assert near(pixel(back, 11, 4), (255, 0, 0), tolerance=10)
    assert near(pixel(back, 20, 4), (127, 127, 255), tolerance=10)


def test_webp_round_trip_keeps_alpha() -> None:
    image = gradient_rgba()
    data = encode(image, "WEBP", quality=100)
    assert sniff_format(data) == "WEBP"
    back = np.asarray(open_image(data).image, dtype=int)
    original = np.asarray(image, dtype=int)
    assert back.shape == original.shape
    assert np.array_equal(back[..., 3], original[..., 3])  # WebP stores alpha losslessly
    visible = original[..., 3] >= 128  # colour under low alpha is not kept exactly
    assert np.abs(back[visible] - original[visible]).max() <= 8


def test_encode_normalizes_odd_modes_first() -> None:
    data = encode(Image.new("I;16", (2, 2), 65535), "PNG")
    with Image.open(io.BytesIO(data)) as written:
        assert written.mode == "RGB" and written.getpixel((0, 0)) == (255, 255, 255)


def test_encode_refuses_options_of_the_other_format() -> None:
    image = Image.new("RGB", (2, 2))
    with pytest.raises(ValueError, match="compress_level"):
        encode(image, "PNG", quality=80)
    with pytest.raises(ValueError, match="quality"):
        encode(image, "JPEG", compress_level=3)
    with pytest.raises(ValueError, match="GIF"):
        encode(image, "GIF")  # type: ignore[arg-type]


# -- facts -----------------------------------------------------------------------------


def test_mime_for_names_the_api_mime_types() -> None:
    assert [mime_for(f) for f in ACCEPTED_FORMATS] == ["image/png", "image/jpeg", "image/webp"]
    assert mime_for("png") == "image/png"
    with pytest.raises(ValueError):
        mime_for("XYZ")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF", "ICO", "PSD"])
def test_sniff_format_reads_the_magic_bytes(fmt: str) -> None:
    if fmt == "PSD":  # Pillow reads PSD but cannot write it
        data = b"8BPS\x00\x01" + bytes(20)
    else:
        data = oddimages.save(Image.new("RGB", (16, 16), (9, 8, 7)), fmt)
    assert sniff_format(data) == fmt


def test_sniff_format_knows_heic_and_avif_and_says_none_for_the_rest() -> None:
    assert sniff_format(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00") == "HEIC"
    assert sniff_format(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00") == "AVIF"
    for data in (b"", b"hello", b"RIFF\x00\x00\x00\x00WAVEfmt ", b"<svg></svg>"):
        assert sniff_format(data) is None


def test_image_size_reads_only_the_header(samples_dir: Path) -> None:
    # A decoded 100000 x 100000 image would need 10 GB: only a header read answers this.
    assert image_size(oddimages.png_claiming_size(100_000, 100_000)) == (100_000, 100_000)
    assert image_size((samples_dir / "rocket.jpg").read_bytes()) == (640, 427)
    assert image_size(oddimages.save(Image.new("RGB", (7, 3)), "GIF")) == (7, 3)
    with pytest.raises(ImageError, match="not an image"):
        image_size(b"plain text")


# -- arrays and sizes ------------------------------------------------------------------


def test_rgba_array_round_trip_keeps_every_value() -> None:
    image = gradient_rgba()
    array = to_rgba_array(image)
    assert array.shape == (32, 48, 4) and array.dtype == np.uint8 and array.flags.writeable
    assert np.array_equal(np.asarray(from_array(array)), np.asarray(image))


def test_rgba_array_of_rgb_is_opaque_and_from_array_makes_rgb() -> None:
    rgb = gradient_rgba().convert("RGB")
    array = to_rgba_array(rgb)
    assert (array[..., 3] == 255).all()
    assert from_array(array[..., :3]).mode == "RGB"


@pytest.mark.parametrize(
    "array",
    [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 2), np.uint8), np.zeros((4, 4, 3), np.float32)],
)
def test_from_array_refuses_other_shapes_and_types(array: np.ndarray) -> None:
    with pytest.raises(ValueError, match="uint8"):
        from_array(array)


def test_downscale_returns_the_same_image_when_it_fits() -> None:
    image = Image.new("RGB", (600, 400))
    assert downscale_to_fit(image) is image
    assert downscale_to_fit(image, max_pixels=600 * 400, max_side=600) is image


def test_downscale_to_a_pixel_budget_keeps_the_aspect_ratio() -> None:
    image = Image.new("RGB", (3000, 2000), (40, 80, 120))
    small = downscale_to_fit(image, max_pixels=1_000_000)
    assert small.width * small.height <= 1_000_000
    assert small.size == (1224, 816)
    assert pixel(small, 600, 400) == (40, 80, 120)


def test_downscale_to_a_longest_side() -> None:
    tall = Image.new("RGBA", (1000, 4000), (1, 2, 3, 200))
    small = downscale_to_fit(tall, max_side=1024)
    assert small.size == (256, 1024) and small.mode == "RGBA"
    assert near(pixel(small, 100, 500), (1, 2, 3, 200), tolerance=1)  # premultiplied maths


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(1, 300),
    height=st.integers(1, 300),
    max_pixels=st.one_of(st.none(), st.integers(1, 100_000)),
    max_side=st.one_of(st.none(), st.integers(1, 400)),
)
def test_downscale_always_fits_both_limits_and_never_enlarges(
    width: int, height: int, max_pixels: int | None, max_side: int | None
) -> None:
    image = Image.new("RGB", (width, height))
    result = downscale_to_fit(image, max_pixels=max_pixels, max_side=max_side)
    assert result.width <= width and result.height <= height
    assert result.width >= 1 and result.height >= 1
    if max_pixels is not None:
        assert result.width * result.height <= max_pixels
    if max_side is not None:
        assert max(result.size) <= max_side
    if min(result.size) > 1:
        # Both sides are the same scale of the original, each off by under two pixels
        # (floor, then at most one pixel trimmed): w' = w*s - a, h' = h*s - b.
        assert abs(result.width * height - result.height * width) < 2 * max(width, height)


def test_downscale_refuses_limits_below_one_pixel() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        downscale_to_fit(Image.new("RGB", (4, 4)), max_pixels=0)
