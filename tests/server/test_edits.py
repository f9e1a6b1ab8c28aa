"""POST /v1/images/edits over real HTTP: answers, pixels, headers."""

from __future__ import annotations

import httpx2
import numpy as np

from tests.server.conftest import decode_b64


def edit(server, sample, **fields):
    data = {"prompt": "a red balloon", **{k: str(v) for k, v in fields.items()}}
    return httpx2.post(f"{server.base_url}/images/edits", data=data, files=sample.parts())


def test_edit_keeps_pixels_outside_the_mask_and_changes_them_inside(local_server, sample):
    response = edit(local_server, sample)
    assert response.status_code == 200
    result = decode_b64(response.json()["data"][0]["b64_json"])
    assert result.shape == sample.pixels.shape
    assert np.array_equal(result[~sample.region], sample.pixels[~sample.region])
    assert np.any(result[sample.region] != sample.pixels[sample.region])


def test_n_variants_all_differ(local_server, sample):
    data = edit(local_server, sample, n=3).json()["data"]
    images = [decode_b64(item["b64_json"]) for item in data]
    assert len(images) == 3
    for i in range(3):
        for j in range(i + 1, 3):
            assert not np.array_equal(images[i], images[j])
