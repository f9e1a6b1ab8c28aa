"""`maskpaint edit --composite / --crop-to-mask` end to end against the embedded server."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from maskpaint.cli import main
from maskpaint.core.compose import crop_inputs, fit_variant, plan_crop
from maskpaint.core.mask import Box, Mask
from maskpaint.core.models import get_model
from maskpaint.server import EmbeddedServer


@pytest.fixture
def api_env(monkeypatch: pytest.MonkeyPatch, local_server: EmbeddedServer) -> EmbeddedServer:
    for name in ("OPENAI_API_KEY", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "AZURE_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", local_server.base_url)
    return local_server


def write_mask(mask: Mask, path: Path) -> Path:
    path.write_bytes(mask.to_api_png())
    return path


def deep_inside(mask: Mask, px: float = 5) -> np.ndarray:
    binary = np.ascontiguousarray(mask.binary(), dtype=np.uint8)
    return cv2.distanceTransform(binary, cv2.DIST_L2, cv2.DIST_MASK_PRECISE) >= px


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.array(image.convert("RGB"))


def edit(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[Path], str]:
    code = main(["edit", *args])
    out, err = capsys.readouterr()
    return code, [Path(line) for line in out.splitlines()], err


def test_composite_is_written_beside_each_variant(api_env, coffee_path, tmp_path, capsys):
    mask = Mask(600, 400)
    mask.fill_ellipse(Box(200, 110, 420, 300))
    mask_path = write_mask(mask, tmp_path / "mask.png")
    out = tmp_path / "out"
    args = [str(coffee_path), "--mask", str(mask_path), "--prompt", "tea", "-n", "2"]
    code, paths, err = edit([*args, "--composite", "--out", str(out)], capsys)
    assert code == 0, err
    names = sorted(p.name for p in paths)
    assert names == [
        "coffee-composite-1.png",
        "coffee-composite-2.png",
        "coffee-edit-1.png",
        "coffee-edit-2.png",
    ]
    assert sorted(out.iterdir()) == sorted(paths)
    photo = pixels(coffee_path)
    for number in (1, 2):
        result = pixels(out / f"coffee-composite-{number}.png")
        assert result.shape == photo.shape
        assert np.array_equal(result[~mask.binary()], photo[~mask.binary()])
        with Image.open(out / f"coffee-edit-{number}.png") as raw:
            scaled = np.array(fit_variant(raw.convert("RGB"), (600, 400)))
        deep = deep_inside(mask)
        assert np.array_equal(result[deep], scaled[deep])


@pytest.fixture(scope="module")
def big_photo(coffee_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.png"
    with Image.open(coffee_path) as image:
        image.convert("RGB").resize((2400, 1600), Image.Resampling.BICUBIC).save(
            path, compress_level=1
        )
    return path


def test_crop_to_mask_sends_the_crop_and_writes_the_full_photo(
    api_env, big_photo, tmp_path, capsys
):
    mask = Mask(2400, 1600)
    mask.fill_ellipse(Box(1500, 600, 1700, 760))
    mask_path = write_mask(mask, tmp_path / "mask.png")
    out = tmp_path / "out"
    args = [str(big_photo), "--mask", str(mask_path), "--prompt", "a lemon", "--model"]
    args += ["gpt-image-2", "--crop-to-mask", "--padding", "48", "--out", str(out)]
    code, paths, err = edit(args, capsys)
    assert code == 0, err

    with Image.open(big_photo) as image:
        photo_image = image.convert("RGB")
    plan = plan_crop((2400, 1600), mask, get_model("gpt-image-2"), padding=48)
    crop_png, crop_mask = crop_inputs(photo_image, mask, plan)
    sent = api_env.received[-1]
    assert sent.fields["size"] == plan.size
    assert sent.files["image"][2] == len(crop_png)
    assert sent.files["mask"][2] == len(crop_mask)

    assert [p.name for p in paths] == ["big-edit-1.png", "big-composite-1.png"]
    with Image.open(paths[0]) as raw:
        assert raw.size == plan.send_size
    result = pixels(paths[1])
    photo = np.array(photo_image)
    assert result.shape == photo.shape
    assert np.array_equal(result[~mask.binary()], photo[~mask.binary()])
    assert f"crop to mask: crop {plan.crop.width}×{plan.crop.height}" in err
    whole = big_photo.stat().st_size + mask_path.stat().st_size
    upload = len(crop_png) + len(crop_mask)
    assert f"upload: {upload:,} bytes instead of {whole:,} for the whole photo" in err
    assert upload < whole / 2


def test_crop_to_mask_sends_a_mostly_masked_photo_whole_at_the_model_size(
    api_env, coffee_path, tmp_path, capsys
):
    mask = Mask(600, 400)
    mask.fill_rect(Box(20, 20, 580, 380))
    mask_path = write_mask(mask, tmp_path / "mask.png")
    args = [str(coffee_path), "--mask", str(mask_path), "--prompt", "tea", "--crop-to-mask"]
    code, paths, err = edit([*args, "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    assert "sent whole as 1536x1024" in err
    assert api_env.received[-1].fields["size"] == "1536x1024"
    result = pixels(paths[1])
    photo = pixels(coffee_path)
    assert np.array_equal(result[~mask.binary()], photo[~mask.binary()])


def test_crop_to_mask_with_a_size_is_refused(api_env, coffee_path, tmp_path, capsys):
    mask_path = write_mask(Mask(600, 400, np.full((400, 600), 255, np.uint8)), tmp_path / "m.png")
    args = [str(coffee_path), "--mask", str(mask_path), "--prompt", "tea", "--crop-to-mask"]
    code, paths, err = edit([*args, "--size", "1024x1024", "--out", str(tmp_path)], capsys)
    assert code == 1 and paths == []
    assert err.strip() == (
        "maskpaint: --crop-to-mask picks the size to send itself; leave out --size."
    )
    assert api_env.received == []


def test_composite_without_a_mask_is_refused(api_env, coffee_path, tmp_path, capsys):
    args = [str(coffee_path), "--prompt", "tea", "--composite", "--out", str(tmp_path)]
    code, _, err = edit(args, capsys)
    assert code == 1
    assert err.strip() == (
        "maskpaint: --composite and --crop-to-mask need --mask: the area to edit."
    )
    assert api_env.received == []


def test_crop_to_mask_with_an_empty_mask_says_so(api_env, coffee_path, tmp_path, capsys):
    mask_path = write_mask(Mask(600, 400), tmp_path / "mask.png")
    args = [str(coffee_path), "--mask", str(mask_path), "--prompt", "tea", "--crop-to-mask"]
    code, _, err = edit([*args, "--out", str(tmp_path)], capsys)
    assert code == 1
    assert "The mask is empty" in err
    assert api_env.received == []


def test_composite_png_is_a_real_png(api_env, coffee_path, tmp_path, capsys):
    mask = Mask(600, 400)
    mask.fill_rect(Box(250, 150, 350, 250))
    mask_path = write_mask(mask, tmp_path / "mask.png")
    args = [str(coffee_path), "--mask", str(mask_path), "--prompt", "tea", "--composite"]
    code, paths, _ = edit([*args, "--output-format", "jpeg", "--out", str(tmp_path / "o")], capsys)
    assert code == 0
    assert paths[0].suffix == ".jpg" and paths[1].name == "coffee-composite-1.png"
    with Image.open(io.BytesIO(paths[1].read_bytes())) as image:
        assert image.format == "PNG" and image.size == (600, 400)
