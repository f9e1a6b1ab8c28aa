"""A stand-in for the app mid-session, for the crash test: killed with SIGKILL while it sleeps.

Usage: python crash_child.py PHOTO PROMPT. With MASKPAINT_HOME set by the test, it claims
recovery, writes a history run with one variant (left unseen), autosaves a state with a
painted soft-edged mask and PROMPT, prints "ready <run id>" and sleeps until killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from maskpaint.core.history import History
from maskpaint.core.imageio import encode, open_image
from maskpaint.core.mask import Box, Mask
from maskpaint.core.recovery import Recovery
from maskpaint.core.request import EditRequest, ImageFile
from maskpaint.core.session import SessionState

VARIANT_COLOR = (200, 40, 90)


def painted_coverage(width: int, height: int) -> np.ndarray:
    """The mask the child paints: a feathered ellipse, so it has soft values (1..254)."""
    mask = Mask(width, height)
    mask.fill_ellipse(Box(width // 4, height // 4, width // 2, height * 3 // 4))
    mask.feather(6)
    return mask.coverage.copy()


def variant_png(size: tuple[int, int]) -> bytes:
    return encode(Image.new("RGB", size, VARIANT_COLOR), "PNG")


def main(photo: Path, prompt: str) -> None:
    recovery = Recovery()
    recovery.claim()
    image = photo.read_bytes()
    loaded = open_image(image)
    width, height = loaded.image.size
    coverage = painted_coverage(width, height)
    mask = Mask(width, height, coverage)
    request = EditRequest(
        images=(ImageFile(image, photo.name, "image/png"),),
        prompt=prompt,
        mask=ImageFile(mask.to_api_png(), "mask.png", "image/png"),
    )
    history = History()
    run = history.start_run(request, base_url="http://127.0.0.1:1/v1")
    run.add_variant(0, variant_png((width, height)), "png")
    state = SessionState(
        image=image,
        image_name=photo.name,
        image_format=loaded.info.format,
        coverage=coverage,
        prompt=prompt,
        options={"model": "gpt-image-1.5", "n": 1},
        runs=(run.run_id,),
        unseen=(run.run_id,),
    )
    recovery.autosave(state)
    print(f"ready {run.run_id}", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
