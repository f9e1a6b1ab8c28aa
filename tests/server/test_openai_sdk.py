"""The official openai package as the client: proof that the server speaks the API."""

from __future__ import annotations

import httpx2
import numpy as np
import openai
import pytest

from maskpaint.server import EmbeddedServer
from tests.server.conftest import decode_b64, png_bytes


@pytest.fixture
def client(local_server):
    with openai.OpenAI(base_url=local_server.base_url, api_key="sk-test", max_retries=0) as sdk:
        yield sdk


def image_part(sample, name="photo.png"):
    return (name, sample.png, "image/png")


def mask_part(sample):
    return ("mask.png", sample.mask_png, "image/png")


def test_sdk_edits_one_image_with_a_mask(client, local_server, sample):
    result = client.images.edit(
        image=image_part(sample), mask=mask_part(sample), prompt="a red balloon"
    )
    pixels = decode_b64(result.data[0].b64_json)
    assert np.array_equal(pixels[~sample.region], sample.pixels[~sample.region])
    assert np.any(pixels[sample.region] != sample.pixels[sample.region])
    assert result.output_format == "png"
    assert result.size == "64x64"
    assert result.usage.total_tokens == result.usage.input_tokens + result.usage.output_tokens
    assert "prompt was ignored" in result.data[0].revised_prompt
    assert set(local_server.received[-1].files) == {"image", "mask"}


def test_sdk_sends_several_images_as_an_image_array(client, local_server, sample):
    other = png_bytes(np.full((48, 80, 3), 90, dtype=np.uint8))
    result = client.images.edit(
        image=[image_part(sample, "a.png"), ("b.png", other, "image/png")],
        mask=mask_part(sample),
        prompt="combine",
    )
    files = local_server.received[-1].files
    assert files["image[]#0"][:2] == ("a.png", "image/png")
    assert files["image[]#1"][:2] == ("b.png", "image/png")
    # The mask applies to the first image, whose size the answer keeps.
    assert decode_b64(result.data[0].b64_json).shape == sample.pixels.shape
    assert result.usage.input_tokens_details.image_tokens > 0


def test_sdk_gets_three_different_variants(client, sample):
    result = client.images.edit(image=image_part(sample), mask=mask_part(sample), prompt="p", n=3)
    images = [decode_b64(item.b64_json) for item in result.data]
    assert len(images) == 3
    assert not np.array_equal(images[0], images[1])
    assert not np.array_equal(images[1], images[2])
    assert not np.array_equal(images[0], images[2])


def test_sdk_streams_partials_then_the_completed_image(client, sample):
    stream = client.images.edit(
        image=image_part(sample),
        mask=mask_part(sample),
        prompt="p",
        stream=True,
        partial_images=2,
    )
    events = list(stream)
    assert [e.type for e in events] == [
        "image_edit.partial_image",
        "image_edit.partial_image",
        "image_edit.completed",
    ]
    assert [e.partial_image_index for e in events[:2]] == [0, 1]
    final = decode_b64(events[-1].b64_json)
    first, second = (decode_b64(e.b64_json) for e in events[:2])
    # Each partial is closer to the finished image than the one before.
    error = [np.abs(x.astype(int) - final).sum() for x in (first, second)]
    assert error[0] > error[1] > 0
    assert events[-1].usage.output_tokens > 0


def test_sdk_dall_e_2_gets_a_url_it_can_download(client, sample):
    result = client.images.edit(
        image=image_part(sample),
        mask=mask_part(sample),
        prompt="p",
        model="dall-e-2",
        response_format="url",
    )
    url = result.data[0].url
    assert url.startswith("http://127.0.0.1:")
    download = httpx2.get(url)
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/png"
    assert download.content.startswith(b"\x89PNG")
    assert result.usage is None  # dall-e-2 reports no tokens


def test_sdk_dall_e_2_gets_base64_when_asked(client, sample):
    result = client.images.edit(
        image=image_part(sample), prompt="p", model="dall-e-2", response_format="b64_json"
    )
    assert result.data[0].url is None
    assert decode_b64(result.data[0].b64_json).shape == sample.pixels.shape


def test_serve_urls_server_answers_gpt_models_with_urls(sample):
    with (
        EmbeddedServer(serve_urls=True) as server,
        openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0) as sdk,
    ):
        result = sdk.images.edit(image=image_part(sample), prompt="p", n=2)
        urls = [item.url for item in result.data]
        assert all(url.startswith(server.base_url + "/files/") for url in urls)
        assert all(httpx2.get(url).content.startswith(b"\x89PNG") for url in urls)
