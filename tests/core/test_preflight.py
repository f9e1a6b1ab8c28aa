"""Preflight: every problem as a sentence before a byte is sent, every fix reported."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image

from maskpaint.core.models import request_fields
from maskpaint.core.preflight import PreflightReport, preflight
from maskpaint.core.request import EditRequest, ImageFile
from tests.core import oddimages


def _encode(img: Image.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()


def _png(w: int = 64, h: int = 64, mode: str = "RGB", name: str = "photo.png") -> ImageFile:
    return ImageFile(_encode(Image.new(mode, (w, h), "teal")), name, "image/png")


def _mask(w: int = 64, h: int = 64) -> ImageFile:
    """Opaque white with a transparent square in the middle: edit there."""
    img = Image.new("RGBA", (w, h), (255, 255, 255, 255))
    img.paste((0, 0, 0, 0), (w // 4, h // 4, 3 * w // 4, 3 * h // 4))
    return ImageFile(_encode(img), "mask.png", "image/png")


def _noise(w: int, h: int, mode: str = "RGB") -> Image.Image:
    """Random pixels: PNG cannot compress them, so the file is about w*h*channels bytes."""
    channels = len(mode)
    pixels = np.random.default_rng(7).integers(0, 256, (h, w, channels), dtype=np.uint8)
    return Image.fromarray(pixels, mode)


def _request(**changes: Any) -> EditRequest:
    base = EditRequest(images=(_png(),), prompt="Put a red door in the wall", mask=_mask())
    return base.with_changes(**changes)


def _messages(report: PreflightReport) -> str:
    return " | ".join(problem.message for problem in report.problems)


def test_a_clean_request_passes_untouched() -> None:
    request = _request(n=2, size="1024x1024", quality="high", output_format="webp")
    report = preflight(request)
    assert report.ok and not report.problems and not report.fixes and not report.warnings
    assert report.request == request


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"prompt": "   "}, "prompt", ["prompt is empty"]),
        ({"prompt": "x" * 1005, "model": "dall-e-2"}, "prompt", ["1,005 characters", "5 more"]),
        ({"prompt": "x" * 32_001}, "prompt", ["32,001", "1 more", "32,000"]),
        ({"n": 11}, "n", ["1 to 10", "11"]),
        ({"n": 0}, "n", ["1 to 10"]),
        ({"size": "2048x2048"}, "size", ["1024x1024, 1536x1024, 1024x1536 or auto"]),
        ({"size": "1000x1000", "model": "gpt-image-2"}, "size", ["multiples of 16"]),
        ({"quality": "xhigh"}, "quality", ["low, medium, high or auto", "'xhigh'"]),
        ({"background": "sky"}, "background", ["transparent, opaque or auto"]),
        ({"output_format": "gif"}, "output_format", ["png, jpeg or webp"]),
        (
            {"input_fidelity": "high", "model": "gpt-image-1-mini"},
            "input_fidelity",
            ["takes input_fidelity low", "'high'"],
        ),
        ({"moderation": "none"}, "moderation", ["low or auto"]),
        (
            {"background": "transparent", "output_format": "jpeg"},
            "background",
            ["transparent", "png or webp", "jpeg"],
        ),
        ({"output_compression": 50}, "output_compression", ["jpeg or webp", "png"]),
        (
            {"output_compression": 150, "output_format": "jpeg"},
            "output_compression",
            ["0 to 100"],
        ),
        ({"partial_images": 2}, "partial_images", ["streaming"]),
        ({"partial_images": 5, "stream": True}, "partial_images", ["0 to 3"]),
        ({"mask": _mask(80, 64)}, "mask", ["80x64", "64x64", "same size"]),
        ({"mask": _png(name="mask.png")}, "mask", ["no alpha channel"]),
        (
            {"mask": ImageFile(_encode(Image.new("RGB", (64, 64)), "JPEG"), "m.jpg", "image/jpeg")},
            "mask",
            ["must be a PNG", "JPEG"],
        ),
        ({"mask": ImageFile(b"not an image", "m.png", "image/png")}, "mask", ["not an image"]),
        ({"images": (_png(),) * 17}, "image", ["at most 16", "17"]),
        ({"images": (_png(), _png()), "model": "dall-e-2"}, "image", ["at most 1", "2 were"]),
        ({"images": ()}, "image", ["no image"]),
        (
            {"images": (ImageFile(b"\x89PNG broken", "x.png", "image/png"),), "mask": None},
            "image",
            ["Image 1 (x.png)", "not an image"],
        ),
        (
            {"images": (_png(96, 64),), "mask": _mask(96, 64), "model": "dall-e-2"},
            "image",
            ["square", "96x64"],
        ),
    ],
)
def test_each_problem_is_a_plain_sentence(
    changes: dict[str, Any], field: str, words: list[str]
) -> None:
    report = preflight(_request(**changes))
    assert not report.ok
    matching = [p for p in report.problems if p.field == field and not p.fixable]
    assert matching, _messages(report)
    message = matching[0].message
    assert message[0].isupper() or message.startswith(("gpt-", "dall-e")), message
    assert message.endswith("."), message
    for word in words:
        assert word in message, message


def test_every_problem_is_listed_at_once() -> None:
    report = preflight(_request(prompt="", n=12, size="3x3", quality="ultra"))
    assert [p.field for p in report.problems] == ["quality", "n", "size", "prompt"]


def test_the_mask_over_4_mb_is_a_problem() -> None:
    big_mask = ImageFile(_encode(_noise(1100, 1100, "RGBA")), "mask.png", "image/png")
    image = ImageFile(_encode(Image.new("RGB", (1100, 1100))), "photo.png", "image/png")
    report = preflight(_request(images=(image,), mask=big_mask))
    assert any(p.message == "The mask is 4.6 MB; it must be under 4 MB." for p in report.problems)


def test_a_field_the_model_does_not_take_is_dropped_and_reported() -> None:
    report = preflight(_request(model="gpt-image-2", input_fidelity="high", quality="high"))
    assert report.ok and not report.problems
    assert [fix.message for fix in report.fixes] == [
        "gpt-image-2 does not take input_fidelity, so input_fidelity was left out."
    ]
    assert report.request.input_fidelity is None and report.request.quality == "high"
    assert "input_fidelity" not in request_fields(report.request)


def test_streaming_on_a_model_that_cannot_is_dropped_and_reported() -> None:
    square = _request(images=(_png(64, 64),), model="dall-e-2", stream=True, partial_images=1)
    report = preflight(square)
    assert report.ok
    assert [fix.message for fix in report.fixes] == [
        "dall-e-2 cannot stream, so partial_images was left out.",
        "dall-e-2 cannot stream, so stream was left out.",
    ]
    assert report.request.stream is None and report.request.partial_images is None


def test_without_fixing_the_fixable_problems_are_listed_and_nothing_changes() -> None:
    request = _request(model="gpt-image-2", input_fidelity="low", response_format="url")
    report = preflight(request, apply_fixes=False)
    assert report.request == request and not report.fixes
    assert [(p.field, p.fixable) for p in report.problems] == [
        ("input_fidelity", True),
        ("response_format", True),
    ]
    assert report.problems[0].message == (
        "gpt-image-2 does not take input_fidelity; leave input_fidelity out."
    )
    assert report.ok  # applying the fixes would make it sendable


def _jpeg(w: int, h: int) -> bytes:
    gradient = np.linspace(0, 255, w * h * 3).reshape(h, w, 3).astype(np.uint8)
    return _encode(Image.fromarray(gradient, "RGB"), "JPEG")


def test_a_jpeg_photo_with_a_mask_is_reencoded_as_png_of_the_same_pixels() -> None:
    jpeg = _jpeg(640, 427)
    image = ImageFile(jpeg, "rocket.jpg", "image/jpeg")
    report = preflight(_request(images=(image,), mask=_mask(640, 427)))
    assert report.ok, _messages(report)
    assert [fix.message for fix in report.fixes] == [
        "Image 1 (rocket.jpg) was JPEG; it was re-encoded as PNG because the image a mask "
        "applies to should be a PNG like the mask."
    ]
    sent = report.request.images[0]
    assert (sent.filename, sent.mime) == ("rocket.png", "image/png")
    assert sent.data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(sent.data)) as png, Image.open(io.BytesIO(jpeg)) as original:
        assert png.format == "PNG"
        assert np.array_equal(np.asarray(png), np.asarray(original))


def test_a_cmyk_jpeg_is_reencoded_through_its_colour_profile_as_the_app_shows_it() -> None:
    cmyk = oddimages.cmyk_jpeg(icc_profile=oddimages.cyan_prints_red_profile())
    image = ImageFile(cmyk, "print.jpg", "image/jpeg")
    report = preflight(_request(images=(image,), mask=_mask(40, 20)))
    assert report.ok, _messages(report)
    with Image.open(io.BytesIO(report.request.images[0].data)) as png:
        assert (png.format, png.mode, png.size) == ("PNG", "RGB", (40, 20))
        right, left = png.getpixel((35, 10)), png.getpixel((5, 10))
    # The profile prints cyan ink red; Pillow's bare conversion would have sent cyan.
    assert right[0] > 240 and right[1] < 15 and right[2] < 15, right
    assert min(left) > 240, left


def test_a_truncated_image_that_needs_reencoding_is_a_problem_not_a_crash() -> None:
    cut = ImageFile(_jpeg(640, 427)[:4000], "cut.jpg", "image/jpeg")
    report = preflight(_request(images=(cut,), mask=_mask(640, 427)))
    assert not report.ok
    assert [p.message for p in report.problems if p.field == "image"] == [
        "Image 1 (cut.jpg) is truncated: it ends before its image data does; "
        "export or download it again."
    ]
    assert report.request.images == (cut,) and not report.fixes


def test_a_format_the_model_does_not_take_is_reencoded_as_png() -> None:
    gif = ImageFile(_encode(Image.new("P", (64, 64), 3), "GIF"), "anim.gif", "image/gif")
    report = preflight(_request(images=(_png(), gif), mask=None))
    assert report.ok
    assert report.fixes[0].message == (
        "Image 2 (anim.gif) was GIF; it was re-encoded as PNG because gpt-image-1.5 takes "
        "png, jpeg or webp images."
    )
    assert report.request.images[1].mime == "image/png"
    assert report.request.images[0] == _png()  # the PNG one is left as it was


def test_a_jpeg_is_sent_as_it_is_when_there_is_no_mask() -> None:
    jpeg = ImageFile(_jpeg(64, 64), "rocket.jpg", "image/jpeg")
    report = preflight(_request(images=(jpeg,), mask=None))
    assert report.ok and not report.fixes and report.request.images == (jpeg,)


def test_an_oversized_image_is_scaled_down_with_its_mask_kept_aligned() -> None:
    photo = _noise(1200, 1200)
    image = ImageFile(_encode(photo), "noise.png", "image/png")
    assert len(image.data) > 4 * 1024 * 1024
    mask = _mask(1200, 1200)
    report = preflight(_request(images=(image,), mask=mask, model="dall-e-2"))
    assert report.ok, _messages(report)
    (fix,) = report.fixes
    assert fix.message.startswith("Image 1 (noise.png) is 4.1 MB, over the 4 MB dall-e-2 takes")
    assert "scaled down from 1200x1200 to" in fix.message and "and the mask with it" in fix.message
    sent, sent_mask = report.request.images[0], report.request.mask
    assert sent_mask is not None and len(sent.data) < 4 * 1024 * 1024
    with Image.open(io.BytesIO(sent.data)) as small, Image.open(io.BytesIO(sent_mask.data)) as m:
        assert small.size == m.size and small.width == small.height < 1200
        assert f"to {small.width}x{small.height}" in fix.message
        alpha = np.asarray(m.getchannel("A"))
    # Nearest neighbour: the mask stays hard-edged, the hole stays in the middle quarter.
    assert set(np.unique(alpha)) == {0, 255}
    side = alpha.shape[0]
    assert alpha[side // 2, side // 2] == 0 and alpha[side // 8, side // 8] == 255
    holes = np.argwhere(alpha == 0)
    assert abs(holes.min() - side / 4) <= 1 and abs(holes.max() + 1 - 3 * side / 4) <= 1


def test_without_fixing_an_oversized_image_is_a_fixable_problem() -> None:
    image = ImageFile(_encode(_noise(1200, 1200)), "noise.png", "image/png")
    report = preflight(_request(images=(image,), mask=None, model="dall-e-2"), apply_fixes=False)
    assert [(p.field, p.fixable) for p in report.problems] == [("image", True)]
    assert "make it smaller" in report.problems[0].message
    assert report.request.images == (image,)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"model": "gpt-image-2", "size": "3840x2160"}, "experimental"),
        ({"model": "gpt-image-1"}, "Retired by OpenAI on 2026-10-23"),
        ({"model": "house-model-x"}, "does not know this model"),
    ],
)
def test_warnings_do_not_stop_the_request(changes: dict[str, Any], words: str) -> None:
    report = preflight(_request(**changes))
    assert report.ok and not report.problems
    assert any(words in warning for warning in report.warnings), report.warnings


def test_an_unknown_model_gets_fields_dropped_but_no_invented_limits() -> None:
    request = _request(model="house-model-x", size="1234x777", quality="high", n=10)
    report = preflight(request)
    assert report.ok and not report.problems
    assert report.fixes[0].message == (
        "house-model-x does not take quality, so quality was left out."
    )
    assert request_fields(report.request) == {"n": "10", "size": "1234x777"}


def test_a_jpeg_for_dall_e_2_is_reencoded_then_scaled_and_both_fixes_are_reported() -> None:
    jpeg = ImageFile(_encode(_noise(1200, 1200), "JPEG"), "noise.jpg", "image/jpeg")
    report = preflight(_request(images=(jpeg,), mask=None, model="dall-e-2"))
    assert report.ok, _messages(report)
    assert [fix.message.split(";")[0] for fix in report.fixes] == [
        "Image 1 (noise.jpg) was JPEG",
        "Image 1 (noise.png) is 4.1 MB, over the 4 MB dall-e-2 takes",
    ]
    sent = report.request.images[0]
    assert sent.mime == "image/png" and len(sent.data) < 4 * 1024 * 1024
    with Image.open(io.BytesIO(sent.data)) as img:
        assert img.format == "PNG" and img.width == img.height < 1200


def test_a_sideways_phone_photo_is_judged_and_sent_upright() -> None:
    """Stored 40x20 with EXIF orientation 6: the user sees and paints a 20x40 photo."""
    photo = ImageFile(oddimages.rotated_jpeg(6), "phone.jpg", "image/jpeg")
    report = preflight(_request(images=(photo,), mask=_mask(20, 40)))
    assert report.ok, _messages(report)
    assert any("upright" in fix.message for fix in report.fixes)
    sent = Image.open(io.BytesIO(report.request.images[0].data))
    assert (sent.format, sent.size) == ("PNG", (20, 40))
    assert report.request.images[0].mime == "image/png"


def test_a_mask_of_the_stored_sideways_size_is_reported_with_the_upright_size() -> None:
    photo = ImageFile(oddimages.rotated_jpeg(6), "phone.jpg", "image/jpeg")
    report = preflight(_request(images=(photo,), mask=_mask(40, 20)))
    assert not report.ok
    assert "40x20" in _messages(report) and "20x40" in _messages(report)


def test_exif_orientation_reads_the_header_only() -> None:
    from maskpaint.core.imageio import exif_orientation

    assert [exif_orientation(oddimages.rotated_jpeg(o)) for o in (1, 3, 6, 8)] == [1, 3, 6, 8]
    assert exif_orientation(_png().data) == 1
    assert exif_orientation(b"not an image") == 1
