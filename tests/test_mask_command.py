"""`maskpaint mask`: turn another tool's mask into the API's alpha-zero PNG."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from maskpaint.cli import main


def _white_ellipse(path: Path, size=(600, 400), box=(200, 100, 400, 300)) -> np.ndarray:
    image = Image.new("L", size, 0)
    ImageDraw.Draw(image).ellipse(box, fill=255)
    image.save(path)
    return np.asarray(image) >= 128


def test_black_and_white_mask_becomes_api_png_of_the_image_size(tmp_path, coffee_path, capsys):
    painted = _white_ellipse(tmp_path / "bw.png")
    out = tmp_path / "mask.png"
    assert main(["mask", str(coffee_path), str(tmp_path / "bw.png"), "-o", str(out)]) == 0
    result = Image.open(out)
    assert result.format == "PNG"
    assert result.mode == "RGBA"
    assert result.size == (600, 400)
    alpha = np.asarray(result)[..., 3]
    assert np.array_equal(alpha == 0, painted)
    assert set(np.unique(alpha)) == {0, 255}
    printed = capsys.readouterr().out
    assert "600×400" in printed
    assert f"{painted.mean():.1%} to edit" in printed
    assert f"{out.stat().st_size:,} bytes" in printed


def test_invert_edits_what_the_mask_kept(tmp_path, coffee_path):
    painted = _white_ellipse(tmp_path / "bw.png")
    out = tmp_path / "mask.png"
    assert (
        main(["mask", str(coffee_path), str(tmp_path / "bw.png"), "-o", str(out), "--invert"]) == 0
    )
    assert np.array_equal(np.asarray(Image.open(out))[..., 3] == 0, ~painted)


def test_api_form_mask_is_read_as_alpha(tmp_path, coffee_path):
    rgba = np.full((400, 600, 4), 255, np.uint8)
    rgba[50:80, 10:90, 3] = 0
    Image.fromarray(rgba, "RGBA").save(tmp_path / "api.png")
    out = tmp_path / "mask.png"
    assert main(["mask", str(coffee_path), str(tmp_path / "api.png"), "-o", str(out)]) == 0
    assert np.array_equal(np.asarray(Image.open(out))[..., 3], rgba[..., 3])


def test_size_mismatch_is_one_line_naming_both_sizes_and_the_flag(tmp_path, coffee_path, capsys):
    _white_ellipse(tmp_path / "small.png", size=(300, 200), box=(10, 10, 50, 50))
    out = tmp_path / "mask.png"
    assert main(["mask", str(coffee_path), str(tmp_path / "small.png"), "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "300×200" in err and "600×400" in err and "--resize" in err
    assert not out.exists()


def test_resize_scales_a_smaller_mask_with_nearest_neighbour(tmp_path, coffee_path):
    _white_ellipse(tmp_path / "small.png", size=(300, 200), box=(100, 50, 200, 150))
    out = tmp_path / "mask.png"
    assert (
        main(["mask", str(coffee_path), str(tmp_path / "small.png"), "-o", str(out), "--resize"])
        == 0
    )
    alpha = np.asarray(Image.open(out))[..., 3]
    assert alpha.shape == (400, 600)
    assert alpha[200, 300] == 0 and alpha[0, 0] == 255


def test_bad_inputs_exit_non_zero_with_one_line_and_no_traceback(tmp_path, coffee_path):
    (tmp_path / "notes.png").write_text("not an image")
    _white_ellipse(tmp_path / "bw.png")
    cases = [
        [str(coffee_path), str(tmp_path / "notes.png"), "-o", str(tmp_path / "a.png")],
        [str(coffee_path), str(tmp_path / "missing.png"), "-o", str(tmp_path / "b.png")],
        [str(coffee_path), str(tmp_path / "bw.png"), "-o", str(tmp_path / "no" / "dir" / "c.png")],
    ]
    for args in cases:
        run = subprocess.run(
            [sys.executable, "-m", "maskpaint", "mask", *args], capture_output=True, text=True
        )
        assert run.returncode == 1, run.stderr
        assert run.stderr.startswith("maskpaint: ")
        assert run.stderr.strip().count("\n") == 0, run.stderr
        assert "Traceback" not in run.stderr


def test_feather_sends_the_whole_soft_band_around_the_edge(tmp_path, coffee_path):
    painted = _white_ellipse(tmp_path / "bw.png")
    plain, feathered = tmp_path / "plain.png", tmp_path / "feathered.png"
    assert main(["mask", str(coffee_path), str(tmp_path / "bw.png"), "-o", str(plain)]) == 0
    args = ["mask", str(coffee_path), str(tmp_path / "bw.png"), "-o", str(feathered)]
    assert main([*args, "--feather", "8"]) == 0
    plain_edit = np.asarray(Image.open(plain))[..., 3] == 0
    feathered_edit = np.asarray(Image.open(feathered))[..., 3] == 0
    assert np.array_equal(plain_edit, painted)
    # Everything painted is still sent, plus a band of a few pixels outside the edge.
    assert feathered_edit[painted].all()
    grown = int(feathered_edit.sum() - painted.sum())
    assert 0 < grown < painted.sum()
    assert not feathered_edit[0:50, 0:50].any()
