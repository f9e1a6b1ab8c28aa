"""Classical inpainting in isolation: distinct variants, untouched surroundings, partials."""

from __future__ import annotations

import numpy as np

from maskpaint.server.inpaint import (
    edit_region,
    partial_renderings,
    render,
    resize,
    variant_plan,
)


def test_ten_variants_use_ten_different_recipes():
    plan = variant_plan(10)
    assert len(set(plan)) == 10
    assert {v.method for v in plan} == {"telea", "ns", "grain", "soft"}


def test_ten_variants_give_ten_different_images(sample):
    images = [render(sample.pixels, sample.region, v) for v in variant_plan(10)]
    for i, image in enumerate(images):
        assert np.array_equal(image[~sample.region], sample.pixels[~sample.region])
        for other in images[i + 1 :]:
            assert not np.array_equal(image, other)


def test_empty_region_returns_the_image_unchanged(sample):
    nothing = np.zeros(sample.region.shape, dtype=bool)
    assert np.array_equal(render(sample.pixels, nothing, variant_plan(1)[0]), sample.pixels)


def test_region_comes_from_alpha_zero_and_is_everything_without_a_mask():
    mask = np.full((4, 5, 4), 255, dtype=np.uint8)
    mask[1, 2, 3] = 0
    mask[2, 2, 3] = 1  # partly transparent is not "edit"
    region = edit_region(mask, (4, 5))
    assert region.sum() == 1
    assert region[1, 2]
    assert edit_region(None, (4, 5)).all()


def test_partials_approach_the_final_image(sample):
    final = render(sample.pixels, sample.region, variant_plan(1)[0])
    stages = partial_renderings(sample.pixels, sample.region, final, 3)
    distances = [np.abs(stage.astype(int) - final).sum() for stage in stages]
    assert distances == sorted(distances, reverse=True)
    assert distances[-1] > 0
    for stage in stages:
        assert np.array_equal(stage[~sample.region], sample.pixels[~sample.region])


def test_resize_takes_width_then_height(sample):
    assert resize(sample.pixels, (96, 32)).shape == (32, 96, 3)
    assert resize(sample.pixels, (64, 64)) is sample.pixels


def test_large_region_is_filled_at_reduced_scale_without_leaking_the_original(monkeypatch):
    import maskpaint.server.inpaint as inpaint

    monkeypatch.setattr(inpaint, "WORK_PIXELS", 400)  # force the scaled path on 64x64
    image = np.zeros((64, 64, 3), dtype=np.uint8)
    image[:, 32:] = 200
    region = np.zeros((64, 64), dtype=bool)
    region[20:44, 26:38] = True
    image[region] = (255, 0, 0)  # what is under the mask must not show through
    result = render(image, region, variant_plan(1)[0])
    assert np.array_equal(result[~region], image[~region])
    assert result[region][:, 0].max() < 230
    assert result[region][:, 1].max() > 100  # the grey of the right half reaches in
