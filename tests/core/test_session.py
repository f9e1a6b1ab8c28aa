"""Session files: exact round trip, one clear sentence per broken file, zip-slip, atomic save."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from maskpaint import __version__
from maskpaint.core import atomic
from maskpaint.core.request import ImageFile
from maskpaint.core.session import (
    FORMAT_VERSION,
    SessionError,
    SessionState,
    load_session,
    save_session,
)
from tests.core.crash_child import painted_coverage


def encode(color: tuple[int, int, int], size: tuple[int, int], fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def make_state(photo: Path, **changes: object) -> SessionState:
    with Image.open(photo) as image:
        width, height = image.size
    fields: dict[str, object] = {
        "image": photo.read_bytes(),
        "image_name": photo.name,
        "image_format": "JPEG" if photo.suffix == ".jpg" else "PNG",
        "coverage": painted_coverage(width, height),
        "prompt": "a café crème\nwith latte art 🌿",
        "options": {"model": "gpt-image-1.5", "n": 2, "quality": None, "extra": {"fidelity": 0.5}},
        "references": (
            ImageFile(encode((200, 30, 30), (32, 24), "JPEG"), "../../my ref é.jpg", "image/jpeg"),
            ImageFile(encode((20, 200, 30), (16, 16), "PNG"), "leaf.png", "image/png"),
        ),
        "runs": ("20261125-071500-a1b2c3", "20261125-072000-d4e5f6"),
        "lineage": {"parent_run": "20261125-071500-a1b2c3", "parent_variant": 1},
        "unseen": ("20261125-072000-d4e5f6",),
    }
    fields.update(changes)
    return SessionState(**fields)  # type: ignore[arg-type]


def rezip(path: Path, changes: dict[str, bytes | None]) -> None:
    """Rewrite the session with some entries replaced (bytes), removed (None) or added."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    for name, data in changes.items():
        if data is None:
            entries.pop(name, None)
        else:
            entries[name] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def read_entry(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def error_of(path: Path) -> str:
    with pytest.raises(SessionError) as caught:
        load_session(path)
    return caught.value.user_message


@pytest.fixture
def saved(tmp_path: Path, coffee_path: Path) -> tuple[Path, SessionState]:
    state = make_state(coffee_path)
    path = tmp_path / "work.maskpaint"
    save_session(path, state)
    return path, state


# -- round trip ------------------------------------------------------------------------


def test_round_trip_restores_every_part_exactly(saved: tuple[Path, SessionState]) -> None:
    path, state = saved
    loaded = load_session(path)
    assert loaded == state
    assert loaded.image == state.image
    assert np.array_equal(loaded.coverage, state.coverage)
    assert loaded.prompt == "a café crème\nwith latte art 🌿"
    assert dict(loaded.options) == dict(state.options)
    assert [(r.data, r.filename, r.mime) for r in loaded.references] == [
        (r.data, r.filename, r.mime) for r in state.references
    ]
    assert loaded.runs == state.runs
    assert dict(loaded.lineage) == {"parent_run": "20261125-071500-a1b2c3", "parent_variant": 1}
    assert loaded.unseen == ("20261125-072000-d4e5f6",)


def test_soft_mask_edges_survive_the_round_trip(saved: tuple[Path, SessionState]) -> None:
    path, state = saved
    soft = (state.coverage > 0) & (state.coverage < 255)
    assert np.count_nonzero(soft) > 100  # the painted mask really has soft edges
    with Image.open(io.BytesIO(read_entry(path, "mask.png"))) as mask:
        assert (mask.format, mask.mode) == ("PNG", "L")
        assert np.array_equal(np.asarray(mask), state.coverage)
    assert np.array_equal(load_session(path).coverage[soft], state.coverage[soft])


def test_jpeg_photo_is_kept_byte_for_byte(tmp_path: Path, samples_dir: Path) -> None:
    state = make_state(samples_dir / "rocket.jpg")
    path = tmp_path / "rocket.maskpaint"
    save_session(path, state)
    assert read_entry(path, "image.jpg") == (samples_dir / "rocket.jpg").read_bytes()
    loaded = load_session(path)
    assert (loaded.image_format, loaded.image_name) == ("JPEG", "rocket.jpg")
    assert loaded.image == state.image


def test_session_file_has_the_documented_parts(saved: tuple[Path, SessionState]) -> None:
    path, _ = saved
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        runs = json.loads(archive.read("runs.json"))
    assert names == {
        "manifest.json",
        "image.png",
        "mask.png",
        "prompt.txt",
        "options.json",
        "references/01-my_ref__.jpg",
        "references/02-leaf.png",
        "runs.json",
    }
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["app_version"] == __version__
    assert manifest["created"].startswith("20")
    assert runs["runs"] == ["20261125-071500-a1b2c3", "20261125-072000-d4e5f6"]


def test_state_is_frozen_and_its_repr_holds_no_pixels(coffee_path: Path) -> None:
    options = {"n": 2}
    state = make_state(coffee_path, options=options)
    options["n"] = 9
    assert state.options["n"] == 2
    with pytest.raises(TypeError):
        state.options["n"] = 3  # type: ignore[index]
    assert "coffee.png" in repr(state) and "600x400" in repr(state)
    assert len(repr(state)) < 200


def test_states_differing_only_in_one_soft_mask_pixel_are_not_equal(coffee_path: Path) -> None:
    state = make_state(coffee_path)
    coverage = state.coverage.copy()
    coverage[200, 200] ^= 1
    assert make_state(coffee_path, coverage=coverage) != state


# -- load errors -----------------------------------------------------------------------


def test_not_a_zip_says_so(tmp_path: Path) -> None:
    path = tmp_path / "notes.maskpaint"
    path.write_text("just some text")
    message = error_of(path)
    assert message.startswith("notes.maskpaint is not a maskpaint session (it is not a zip")


def test_missing_file_says_it_does_not_exist(tmp_path: Path) -> None:
    assert "does not exist" in error_of(tmp_path / "gone.maskpaint")


def test_other_zip_is_not_a_session(tmp_path: Path) -> None:
    path = tmp_path / "photos.maskpaint"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", b'{"name": "holiday"}')
    assert "is not a maskpaint session (its manifest" in error_of(path)


@pytest.mark.parametrize("part", ["manifest.json", "mask.png", "prompt.txt", "runs.json"])
def test_missing_part_is_named(saved: tuple[Path, SessionState], part: str) -> None:
    path, _ = saved
    rezip(path, {part: None})
    assert error_of(path) == (
        f"The session file work.maskpaint is damaged ({part} is missing); "
        "open an earlier copy or start the session again."
    )


def test_newer_format_version_says_made_by_a_newer_maskpaint(
    saved: tuple[Path, SessionState],
) -> None:
    path, _ = saved
    manifest = json.loads(read_entry(path, "manifest.json"))
    manifest.update(format_version=FORMAT_VERSION + 1, app_version="9.0.0")
    rezip(path, {"manifest.json": json.dumps(manifest).encode()})
    assert error_of(path) == (
        f"work.maskpaint was made by a newer maskpaint (9.0.0); "
        f"update maskpaint (this is {__version__}) to open it."
    )


def test_mask_of_another_size_is_refused(saved: tuple[Path, SessionState]) -> None:
    path, _ = saved
    small = io.BytesIO()
    Image.new("L", (60, 40), 255).save(small, "PNG")
    rezip(path, {"mask.png": small.getvalue()})
    assert "its mask is 60×40 but its photo is 600×400" in error_of(path)


def test_api_style_rgba_mask_is_refused_as_not_grey(saved: tuple[Path, SessionState]) -> None:
    path, _ = saved
    rgba = io.BytesIO()
    Image.new("RGBA", (600, 400), (0, 0, 0, 0)).save(rgba, "PNG")
    rezip(path, {"mask.png": rgba.getvalue()})
    assert "mask.png is not an 8-bit grey PNG" in error_of(path)


def test_corrupt_photo_is_refused(saved: tuple[Path, SessionState]) -> None:
    path, state = saved
    rezip(path, {"image.png": state.image[: len(state.image) // 2]})
    assert "(its photo cannot be decoded)" in error_of(path)


def test_corrupt_reference_is_refused(saved: tuple[Path, SessionState]) -> None:
    path, _ = saved
    rezip(path, {"references/02-leaf.png": b"\x89PNG\r\n\x1a\n not really"})
    assert "the reference image leaf.png cannot be decoded" in error_of(path)


def test_broken_json_is_named(saved: tuple[Path, SessionState]) -> None:
    path, _ = saved
    rezip(path, {"options.json": b"{not json"})
    assert "(options.json is not valid JSON)" in error_of(path)


def test_wrong_types_in_runs_are_refused(saved: tuple[Path, SessionState]) -> None:
    path, _ = saved
    rezip(path, {"runs.json": b'{"runs": [1, 2], "unseen": [], "lineage": {}}'})
    assert "'runs' holds something other than run ids" in error_of(path)


def test_zip_bomb_part_is_refused_before_unpacking(saved: tuple[Path, SessionState]) -> None:
    path, _ = saved
    rezip(path, {"prompt.txt": b"a" * (16 * 1024 * 1024 + 1)})  # deflated: 16 kB on disk
    assert "(prompt.txt is too large)" in error_of(path)


# -- zip-slip --------------------------------------------------------------------------


def test_entries_with_hostile_paths_are_never_read(
    saved: tuple[Path, SessionState], tmp_path: Path
) -> None:
    path, state = saved
    rezip(
        path,
        {
            "../escape.txt": b"outside",
            "/etc/cron.d/evil": b"* * * * * root true",
            "references/../../evil.png": b"bad",
        },
    )
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    assert load_session(path) == state
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before
    assert not (tmp_path / "escape.txt").exists()


def test_manifest_pointing_outside_the_references_folder_is_refused(
    saved: tuple[Path, SessionState],
) -> None:
    path, _ = saved
    manifest = json.loads(read_entry(path, "manifest.json"))
    manifest["references"][0]["file"] = "../manifest.json"
    rezip(path, {"manifest.json": json.dumps(manifest).encode()})
    assert "a reference image has an unsafe name" in error_of(path)


# -- atomic save -----------------------------------------------------------------------


def test_failed_save_leaves_the_previous_file_intact(
    saved: tuple[Path, SessionState], coffee_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, state = saved
    before = path.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", disk_full)  # fails after the bytes are written
    with pytest.raises(SessionError) as caught:
        save_session(path, make_state(coffee_path, prompt="a new prompt"))
    assert caught.value.user_message == (
        f"Could not save the session to {path} (No space left on device); "
        "free some disk space or choose another folder."
    )
    assert path.read_bytes() == before
    assert load_session(path) == state
    assert os.listdir(path.parent) == ["work.maskpaint"]  # no temp file left behind


def test_options_that_are_not_json_are_refused_before_writing(
    tmp_path: Path, coffee_path: Path
) -> None:
    path = tmp_path / "bad.maskpaint"
    with pytest.raises(SessionError, match="settings could not be written"):
        save_session(path, make_state(coffee_path, options={"when": object()}))
    assert not path.exists()


def test_saving_again_replaces_the_file(
    saved: tuple[Path, SessionState], coffee_path: Path
) -> None:
    path, _ = saved
    save_session(path, make_state(coffee_path, prompt="second thoughts"))
    assert load_session(path).prompt == "second thoughts"
