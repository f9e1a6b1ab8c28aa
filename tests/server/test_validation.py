"""Requests the real API refuses get the same status and error JSON from ours."""

from __future__ import annotations

import io

import httpx2
import numpy as np
import pytest
from PIL import Image

from tests.server.conftest import make_sample, png_bytes


def post(server, data, files):
    return httpx2.post(f"{server.base_url}/images/edits", data=data, files=files)


def assert_error(response, status, param, code, message_part):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert error["code"] == code
    assert message_part in error["message"]


def test_missing_prompt_is_refused(local_server, sample):
    response = post(local_server, {}, sample.parts())
    assert_error(
        response, 400, "prompt", "missing_required_parameter", "Missing required parameter"
    )


def test_missing_image_is_refused(local_server):
    response = post(local_server, {"prompt": "p"}, [("user", (None, "x"))])
    assert_error(response, 400, "image", "missing_required_parameter", "'image'")


def test_mask_of_another_size_is_refused(local_server, sample):
    other = make_sample(32, 32)
    files = [sample.parts(mask=False)[0], ("mask", ("mask.png", other.mask_png, "image/png"))]
    response = post(local_server, {"prompt": "p"}, files)
    assert_error(
        response,
        400,
        "mask",
        "invalid_image_format",
        "Invalid mask image format - mask size does not match image size",
    )


def test_mask_without_alpha_is_refused(local_server, sample):
    opaque = png_bytes(np.zeros((64, 64, 3), dtype=np.uint8))
    files = [sample.parts(mask=False)[0], ("mask", ("mask.png", opaque, "image/png"))]
    response = post(local_server, {"prompt": "p"}, files)
    assert_error(response, 400, "mask", "invalid_image_format", "mask image missing alpha channel")


def test_unreadable_image_is_refused_with_its_number(local_server, sample):
    files = [
        ("image[]", ("good.png", sample.png, "image/png")),
        ("image[]", ("bad.png", b"not an image at all", "image/png")),
    ]
    response = post(local_server, {"prompt": "p"}, files)
    assert_error(
        response, 400, "image", "invalid_image_file", "Invalid image file or mode for image 2"
    )


@pytest.mark.parametrize(
    ("n", "code"), [("0", "integer_below_min_value"), ("11", "integer_above_max_value")]
)
def test_n_out_of_range_is_refused(local_server, sample, n, code):
    response = post(local_server, {"prompt": "p", "n": n}, sample.parts())
    assert_error(response, 400, "n", code, f"got {n} instead")


def test_n_that_is_not_a_number_is_refused(local_server, sample):
    response = post(local_server, {"prompt": "p", "n": "three"}, sample.parts())
    assert_error(response, 400, "n", "invalid_type", "expected an integer")


def test_size_the_model_does_not_offer_is_refused(local_server, sample):
    response = post(local_server, {"prompt": "p", "size": "800x600"}, sample.parts())
    assert_error(response, 400, "size", "invalid_value", "Invalid value: '800x600'")


def test_dall_e_2_sizes_are_its_own(local_server, sample):
    data = {"prompt": "p", "model": "dall-e-2", "size": "1536x1024"}
    response = post(local_server, data, sample.parts())
    assert_error(response, 400, "size", "invalid_value", "'256x256'")


def test_prompt_over_the_model_limit_is_refused(local_server, sample):
    data = {"prompt": "x" * 1001, "model": "dall-e-2", "response_format": "b64_json"}
    response = post(local_server, data, sample.parts())
    assert_error(response, 400, "prompt", "string_above_max_length", "maximum length 1000")


def test_prompt_within_the_gpt_limit_is_taken(local_server, sample):
    response = post(local_server, {"prompt": "x" * 1001}, sample.parts())
    assert response.status_code == 200


def test_response_format_on_a_gpt_image_model_is_an_unknown_parameter(local_server, sample):
    data = {"prompt": "p", "model": "gpt-image-1.5", "response_format": "b64_json"}
    response = post(local_server, data, sample.parts())
    assert_error(response, 400, "response_format", "unknown_parameter", "Unknown parameter")


def test_unknown_field_is_an_unknown_parameter(local_server, sample):
    response = post(local_server, {"prompt": "p", "aspect_ratio": "16:9"}, sample.parts())
    assert_error(response, 400, "aspect_ratio", "unknown_parameter", "'aspect_ratio'")


def test_file_part_without_an_image_mime_type_is_refused(local_server, sample):
    files = [("image", ("photo", sample.png, "application/octet-stream"))]
    response = post(local_server, {"prompt": "p"}, files)
    assert_error(response, 400, "image", "unsupported_file_mimetype", "unsupported mimetype")


def test_quality_outside_the_models_list_is_refused(local_server, sample):
    response = post(local_server, {"prompt": "p", "quality": "ultra"}, sample.parts())
    assert_error(response, 400, "quality", "invalid_value", "'low', 'medium', 'high', and 'auto'")


def test_transparent_background_with_jpeg_is_refused(local_server, sample):
    data = {"prompt": "p", "background": "transparent", "output_format": "jpeg"}
    response = post(local_server, data, sample.parts())
    assert_error(response, 400, "background", "invalid_value", "jpeg")


def test_more_than_sixteen_images_are_refused(local_server, sample):
    files = [("image[]", (f"{i}.png", sample.png, "image/png")) for i in range(17)]
    response = post(local_server, {"prompt": "p"}, files)
    assert_error(response, 400, "image", "array_above_max_length", "maximum length 16")


def test_partial_images_above_three_are_refused(local_server, sample):
    data = {"prompt": "p", "stream": "true", "partial_images": "4"}
    response = post(local_server, data, sample.parts())
    assert_error(response, 400, "partial_images", "integer_above_max_value", "<= 3")


def test_json_body_is_refused_with_a_clear_message(local_server):
    response = httpx2.post(f"{local_server.base_url}/images/edits", json={"prompt": "p"})
    assert response.status_code == 400
    assert "multipart/form-data" in response.json()["error"]["message"]


def test_palette_mask_with_a_transparent_entry_counts_as_alpha(local_server, sample):
    palette = Image.fromarray(np.where(sample.region, 0, 1).astype(np.uint8), mode="P")
    palette.putpalette([0, 0, 0, 255, 255, 255])
    buffer = io.BytesIO()
    palette.save(buffer, "PNG", transparency=0)
    files = [sample.parts(mask=False)[0], ("mask", ("mask.png", buffer.getvalue(), "image/png"))]
    assert post(local_server, {"prompt": "p"}, files).status_code == 200


def test_field_an_openai_model_does_not_take_is_an_unknown_parameter(local_server, sample):
    data = {"prompt": "p", "model": "gpt-image-2", "input_fidelity": "high"}
    response = post(local_server, data, sample.parts())
    assert_error(response, 400, "input_fidelity", "unknown_parameter", "'input_fidelity'")


def test_gpt_image_2_takes_free_sizes_within_its_rules(local_server, sample):
    data = {"prompt": "p", "model": "gpt-image-2", "size": "1536x864"}
    assert post(local_server, data, sample.parts()).json()["size"] == "1536x864"
    data["size"] = "1000x1000"
    response = post(local_server, data, sample.parts())
    assert_error(response, 400, "size", "invalid_value", "multiples of 16")


def test_gateway_model_is_lenient_about_fields_it_does_not_document(local_server, sample):
    data = {"prompt": "p", "model": "flux-kontext-pro", "quality": "high"}
    assert post(local_server, data, sample.parts()).status_code == 200


def test_stream_on_a_gateway_model_without_streaming_is_refused(local_server, sample):
    data = {"prompt": "p", "model": "flux-kontext-pro", "stream": "true"}
    response = post(local_server, data, sample.parts())
    assert_error(response, 400, "stream", "invalid_value", "Streaming is not supported")


def test_unknown_model_is_served_with_the_universal_fields(local_server, sample):
    data = {"prompt": "p", "model": "my-own-model", "n": "2", "size": "640x480"}
    body = post(local_server, data, sample.parts()).json()
    assert len(body["data"]) == 2
    assert body["size"] == "640x480"


def test_dall_e_2_takes_only_a_square_png(local_server):
    wide = png_bytes(np.zeros((32, 48, 3), dtype=np.uint8))
    data = {"prompt": "p", "model": "dall-e-2", "response_format": "b64_json"}
    response = post(local_server, data, [("image", ("wide.png", wide, "image/png"))])
    assert_error(response, 400, "image", "invalid_image_format", "not a 48x32 PNG")


def test_image_over_the_models_byte_limit_is_refused(local_server):
    noise = np.random.default_rng(1).integers(0, 255, (1200, 1200, 3), dtype=np.uint8)
    big = png_bytes(noise)
    assert len(big) > 4 * 1024 * 1024
    data = {"prompt": "p", "model": "dall-e-2"}
    response = post(local_server, data, [("image", ("big.png", big, "image/png"))])
    assert_error(response, 400, "image", "file_too_large", "smaller than 4 MB")
