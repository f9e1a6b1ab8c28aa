"""Real history runs for the GUI tests, written through core History."""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

from maskpaint.core.history import History, Run
from maskpaint.core.request import EditRequest, ImageFile

LOCAL_URL = "http://127.0.0.1:8123/v1"


def png(color: tuple[int, int, int], size: tuple[int, int] = (48, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def request(prompt: str, color: tuple[int, int, int] = (200, 30, 30), n: int = 1) -> EditRequest:
    return EditRequest(
        images=(ImageFile(png(color), "photo.png", "image/png"),),
        prompt=prompt,
        mask=ImageFile(png((0, 0, 0)), "mask.png", "image/png"),
        model="gpt-image-1",
        n=n,
        size="1024x1024",
    )


def finished_run(
    history: History,
    prompt: str,
    colors: list[tuple[int, int, int]],
    *,
    original: tuple[int, int, int] = (200, 30, 30),
) -> Run:
    """A run that returned one variant per colour and finished with usage and timings."""
    run = history.start_run(request(prompt, original, len(colors)), base_url=LOCAL_URL)
    for index, color in enumerate(colors):
        run.add_variant(index, png(color, (72, 48)), "png")
    run.finish(
        usage={"total_tokens": 4160, "input_tokens": 160, "output_tokens": 4000},
        revised_prompts=[f"{prompt}, revised {i}" for i in range(len(colors))],
        timings={"total": 7.5},
    )
    return run


def clone_runs(template: Path, root: Path, count: int) -> None:
    """`count` run folders that hard-link the template's files: a big history in a second.

    Folder names follow the history's <stamp>-<hex id> pattern; History rebuilds its index
    from the folders when it opens them.
    """
    names = [entry.name for entry in template.iterdir() if not entry.name.startswith(".")]
    for number in range(count):
        folder = root / f"20250101-000000-{number:08x}"
        folder.mkdir()
        for name in names:
            os.link(template / name, folder / name)
