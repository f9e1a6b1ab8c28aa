"""core/compose_run.py: the compose decisions `maskpaint edit` and the app share."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from maskpaint.core.compose import plan_crop
from maskpaint.core.compose_run import (
    ComposeSettings,
    Composition,
    crop_line,
    cropped_request,
    plan_from_record,
    restored_composition,
    settings_record,
    upload_bytes,
)
from maskpaint.core.history import History
from maskpaint.core.imageio import encode
from maskpaint.core.mask import Box, Mask
from maskpaint.core.models import get_model
from maskpaint.core.request import EditRequest, ImageFile


def photo(size: tuple[int, int] = (2400, 1600)) -> Image.Image:
    """Grain, so PNG sizes follow pixel counts as with a real photo."""
    noise = np.random.default_rng(6).integers(0, 256, (size[1], size[0], 3), np.uint8)
    return Image.fromarray(noise, "RGB")


def small_mask(size: tuple[int, int] = (2400, 1600)) -> Mask:
    mask = Mask(*size)
    mask.fill_ellipse(Box(1500, 600, 1700, 760))
    return mask


def request_for(image: Image.Image, mask: Mask) -> EditRequest:
    return EditRequest(
        images=(ImageFile(encode(image, "PNG"), "big.png", "image/png"),),
        prompt="a lemon",
        mask=ImageFile(mask.to_api_png(), "mask.png", "image/png"),
    )


def test_a_plan_survives_its_run_record():
    plan = plan_crop((2400, 1600), small_mask(), get_model("gpt-image-2"), padding=48)
    record = settings_record(ComposeSettings(crop_to_mask=True, padding=48), plan)
    assert record["crop"]["padding"] == 48 and record["feather_px"] == 4.0
    assert plan_from_record(record) == plan
    assert plan_from_record({"composite": True}) is None
    assert plan_from_record({"crop": {"crop": [1, 2]}}) is None
    assert plan_from_record("damaged") is None


def test_the_crop_line_says_size_gain_and_upload_share():
    plan = plan_crop((2400, 1600), small_mask(), get_model("gpt-image-1.5"))
    line = crop_line(plan, 300_000, 10_000_000)
    crop = f"{plan.crop.width}×{plan.crop.height}"
    sent = f"{plan.send_size[0]}×{plan.send_size[1]}"
    assert line == (
        f"crop {crop} → {sent}: {plan.gain:.0f}× more model pixels on the edit, "
        "3% of the upload (0.3 MB instead of 10.0 MB)"
    )
    whole = Mask(2400, 1600)
    whole.fill_rect(Box(10, 10, 2390, 1590))
    plan = plan_crop((2400, 1600), whole, get_model("gpt-image-1.5"))
    assert crop_line(plan, 1, 1).startswith("Cropping would not help")


def test_a_cropped_request_sends_the_crop_at_the_plan_size_and_keeps_references():
    image, mask = photo(), small_mask()
    reference = ImageFile(b"ref", "ref.png", "image/png")
    whole = request_for(image, mask).with_changes(
        images=(request_for(image, mask).images[0], reference)
    )
    plan = plan_crop(image.size, mask, get_model("gpt-image-1.5"))
    sent = cropped_request(whole, image, mask, plan, "big")
    assert sent.size == plan.size and sent.images[1] is reference
    assert sent.images[0].filename == "big-crop.png" and sent.mask is not None
    with Image.open(io.BytesIO(sent.images[0].data)) as crop:
        assert crop.size == plan.send_size
    assert upload_bytes(sent) < upload_bytes(whole) / 4


def test_a_regenerated_run_composites_from_its_folder_unless_it_was_cropped(tmp_path):
    image, mask = photo((600, 400)), Mask(600, 400)
    mask.fill_rect(Box(100, 100, 300, 200))
    history = History(tmp_path / "history")
    settings = {"compose": settings_record(ComposeSettings(feather_px=2.0), None)}
    run = history.start_run(request_for(image, mask), base_url="http://x", settings=settings)
    composition = restored_composition(history.get(run.run_id))
    assert isinstance(composition, Composition) and composition.plan is None
    assert composition.feather_px == 2.0
    assert np.array_equal(np.array(composition.original), np.array(image))
    assert np.array_equal(composition.mask.binary(), mask.binary())

    plain = history.start_run(request_for(image, mask), base_url="http://x")
    assert restored_composition(history.get(plain.run_id)) is None


def test_a_regenerated_cropped_run_pastes_back_into_the_full_photo_it_kept(tmp_path):
    image, mask = photo((1200, 800)), Mask(1200, 800)
    mask.fill_rect(Box(100, 100, 200, 160))
    plan = plan_crop((1200, 800), mask, get_model("gpt-image-1.5"))
    assert not plan.whole_image
    history = History(tmp_path / "history")
    sent = cropped_request(request_for(image, mask), image, mask, plan, "big")
    cropped = {"compose": settings_record(ComposeSettings(crop_to_mask=True), plan)}
    run = history.start_run(sent, base_url="http://x", settings=cropped)
    assert restored_composition(history.get(run.run_id)) is None  # nothing kept yet

    for name, data in Composition(image, mask, plan).sources():
        run.save_file(name, data)
    composition = restored_composition(history.get(run.run_id))
    assert composition is not None and composition.plan == plan
    assert np.array_equal(np.array(composition.original), np.array(image))
    assert np.array_equal(composition.mask.binary(), mask.binary())
    assert Composition(image, mask, None).sources() == ()
