"""`maskpaint edit` end to end, in a subprocess, against the embedded server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from maskpaint.core.api import ClientConfig, ImageEditClient
from maskpaint.server import EmbeddedServer, Fault
from tests.core.api_support import edit_request, mask_png


def _mask_for(photo: Path, folder: Path) -> Path:
    """The same mask the in-process requests of `edit_request` use."""
    mask = edit_request(photo).mask
    assert mask is not None
    path = folder / "mask.png"
    path.write_bytes(mask.data)
    return path


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_"))}
    return subprocess.run(
        [sys.executable, "-m", "maskpaint", "edit", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **env},
    )


def test_edit_writes_each_variant_and_prints_its_path(
    local_server: EmbeddedServer, coffee_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    mask = _mask_for(coffee_path, tmp_path)
    done = _run(
        [
            str(coffee_path),
            "--mask",
            str(mask),
            "--prompt",
            "a cup of tea",
            "-n",
            "2",
            "--out",
            str(out),
        ],
        {"OPENAI_BASE_URL": local_server.base_url},
    )
    assert done.returncode == 0, done.stderr
    paths = [Path(line) for line in done.stdout.splitlines()]
    assert sorted(paths) == sorted(out.iterdir())
    assert len(paths) == 2
    with Image.open(coffee_path) as photo, Image.open(paths[0]) as edited:
        assert edited.size == photo.size
        assert edited.convert("RGB").getpixel((2, 2)) == photo.convert("RGB").getpixel((2, 2))
    assert "uploading" in done.stderr
    assert local_server.received[0].fields["n"] == "2"


def test_edit_without_key_or_base_url_uses_the_embedded_server(
    coffee_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    mask = _mask_for(coffee_path, tmp_path)
    done = _run(
        [str(coffee_path), "--mask", str(mask), "--prompt", "tea", "--stream", "--out", str(out)],
        {},
    )
    assert done.returncode == 0, done.stderr
    assert "built-in local server" in done.stderr
    assert [Path(p) for p in done.stdout.splitlines()] == list(out.iterdir())


def test_a_failing_edit_prints_one_line_and_keeps_received_variants(
    local_server: EmbeddedServer, coffee_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    mask = _mask_for(coffee_path, tmp_path)
    with ImageEditClient(ClientConfig(base_url=local_server.base_url)) as client:
        whole = client.edit(edit_request(coffee_path, n=2, stream=True))
    # Cut the stream inside the second image: the first one is already on disk.
    local_server.push_faults(
        Fault(kind="truncate", after_bytes=len(whole.variants[0].data) * 4 // 3 * 3 // 2)
    )
    args = [str(coffee_path), "--mask", str(mask), "--prompt", "tea", "-n", "2", "--stream"]
    done = _run([*args, "--out", str(out)], {"OPENAI_BASE_URL": local_server.base_url})
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if not _is_progress(line)]
    assert len(errors) == 1, done.stderr
    assert "cut off" in errors[0]
    assert "1 image(s) already saved" in errors[0]
    assert "Traceback" not in done.stderr
    saved = list(out.iterdir())
    assert done.stdout.splitlines() == [str(p) for p in saved]
    assert len(saved) == 1
    assert saved[0].read_bytes() == whole.variants[0].data


def test_preflight_problems_refuse_to_send(
    local_server: EmbeddedServer, coffee_path: Path, tmp_path: Path
) -> None:
    mask = tmp_path / "mask.png"
    mask.write_bytes(mask_png((10, 10), (0, 0, 5, 5)))  # wrong size for the photo
    done = _run(
        [str(coffee_path), "--mask", str(mask), "--prompt", "tea", "--out", str(tmp_path / "o")],
        {"OPENAI_BASE_URL": local_server.base_url},
    )
    assert done.returncode == 1
    assert "problem:" in done.stderr
    assert "nothing was sent" in done.stderr
    assert local_server.received == []


def _is_progress(line: str) -> bool:
    words = ("preparing", "uploading", "waiting", "receiving", "preview", "retrying")
    return any(line.startswith(f"maskpaint: {word}") for word in words)
