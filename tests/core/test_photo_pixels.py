"""PhotoPixels: the photo as one cached RGB array for the selection tools."""

from __future__ import annotations

import threading

import numpy as np
from PIL import Image

from maskpaint.core.photo_pixels import PhotoPixels


def test_rgb_photo_gives_its_exact_pixels_once_and_then_the_same_array():
    rgb = np.random.default_rng(1).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    pixels = PhotoPixels(Image.fromarray(rgb))
    first = pixels.rgb()
    assert np.array_equal(first, rgb) and first.flags.c_contiguous
    assert pixels.rgb() is first  # cached: no copy per click
    assert pixels.size == (40, 30)


def test_rgba_photo_gives_rgb_without_alpha():
    rgba = np.zeros((10, 12, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 90
    array = PhotoPixels(Image.fromarray(rgba, "RGBA")).rgb()
    assert array.shape == (10, 12, 3)
    assert (array[..., 0] == 200).all() and not array[..., 1:].any()


def test_threads_asking_at_once_share_one_conversion():
    pixels = PhotoPixels(Image.new("RGB", (64, 64), "red"))
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(pixels.rgb())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result is results[0] for result in results)
