"""What comes back: formats, sizes, alpha, whole-image edits, a real photo."""

from __future__ import annotations

import base64
import io

import httpx2
import numpy as np
from PIL import Image

from tests.server.conftest import png_bytes


def edit(server, files, **fields):
    data = {"prompt": "p", **{k: str(v) for k, v in fields.items()}}
    response = httpx2.post(f"{server.base_url}/images/edits", data=data, files=files)
    assert response.status_code == 200, response.text
    return response.json()


def first_image(body) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(body["data"][0]["b64_json"])))


def test_output_format_jpeg_and_webp_are_honoured(local_server, sample):
    for output_format, pil_name in (("jpeg", "JPEG"), ("webp", "WEBP")):
        body = edit(local_server, sample.parts(), output_format=output_format)
        assert body["output_format"] == output_format
        assert first_image(body).format == pil_name


def test_output_compression_makes_jpeg_smaller(local_server, sample):
    sizes = [
        len(
            edit(local_server, sample.parts(), output_format="jpeg", output_compression=c)["data"][
                0
            ]["b64_json"]
        )
        for c in (95, 10)
    ]
    assert sizes[0] > sizes[1]


def test_requested_size_redraws_the_result_at_that_size(local_server, sample):
    body = edit(local_server, sample.parts(), size="1024x1536")
    assert first_image(body).size == (1024, 1536)
    assert body["size"] == "1024x1536"


def test_auto_size_keeps_the_input_size(local_server, sample):
    body = edit(local_server, sample.parts(), size="auto")
    assert first_image(body).size == (64, 64)
    assert body["size"] == "64x64"


def test_dall_e_2_answers_at_its_square_size(local_server, sample):
    body = edit(
        local_server, sample.parts(), model="dall-e-2", size="256x256", response_format="b64_json"
    )
    assert first_image(body).size == (256, 256)
    assert set(body) == {"created", "data"}


def test_alpha_of_the_input_survives_outside_the_mask(local_server, sample):
    rgba = np.dstack([sample.pixels, np.full((64, 64), 200, dtype=np.uint8)])
    rgba[:8, :8, 3] = 0
    files = [("image", ("photo.png", png_bytes(rgba), "image/png"))]
    files.append(("mask", ("mask.png", sample.mask_png, "image/png")))
    result = np.asarray(first_image(edit(local_server, files)))
    assert result.shape == (64, 64, 4)
    assert np.array_equal(result[~sample.region], rgba[~sample.region])


def test_without_a_mask_the_whole_picture_is_repainted(local_server, sample):
    body = edit(local_server, sample.parts(mask=False), n=2)
    images = [
        np.asarray(Image.open(io.BytesIO(base64.b64decode(item["b64_json"]))))
        for item in body["data"]
    ]
    for image in images:
        assert image.shape == sample.pixels.shape
        assert np.mean(image != sample.pixels) > 0.5
    assert not np.array_equal(images[0], images[1])


def test_jpeg_input_is_accepted(local_server, sample):
    buffer = io.BytesIO()
    Image.fromarray(sample.pixels).save(buffer, "JPEG")
    files = [("image", ("photo.jpg", buffer.getvalue(), "image/jpeg"))]
    assert first_image(edit(local_server, files)).size == (64, 64)


def test_real_photo_is_inpainted_only_inside_the_mask(local_server, coffee_path):
    photo = np.asarray(Image.open(coffee_path).convert("RGB"))
    height, width = photo.shape[:2]
    mask = np.full((height, width, 4), 255, dtype=np.uint8)
    mask[150:250, 250:380, 3] = 0
    region = mask[..., 3] == 0
    files = [
        ("image", ("coffee.png", png_bytes(photo), "image/png")),
        ("mask", ("mask.png", png_bytes(mask), "image/png")),
    ]
    result = np.asarray(first_image(edit(local_server, files)))
    assert np.array_equal(result[~region], photo[~region])
    assert np.any(result[region] != photo[region])
    # The fill continues its surroundings: close to the ring of pixels around the hole.
    ring = photo[140:260, 240:390].reshape(-1, 3).mean(axis=0)
    assert np.abs(result[region].mean(axis=0) - ring).max() < 40
