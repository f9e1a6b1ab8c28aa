"""Autosave of a 24-megapixel session, against writing the photo's bytes alone.

The baseline is the least any snapshot must do: put the photo's bytes on disk
atomically with an fsync. Autosave adds the zip, the mask PNG (the full coverage,
soft edges included) and the small JSON parts. Load decodes the photo to check it;
`pending()` reads only the small parts.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from bench.scratch import scratch_home
from bench.table import median, print_table, timings
from maskpaint.core.atomic import write_bytes
from maskpaint.core.mask import Box, Mask
from maskpaint.core.recovery import Recovery
from maskpaint.core.session import SessionState, load_session, save_session

WIDTH, HEIGHT = 6000, 4000
REPEAT = 5


def _photo() -> bytes:
    """A photo-like JPEG: smooth gradients plus sensor-like noise (compresses like a photo)."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    base = np.stack([x * 255 // WIDTH, y * 255 // HEIGHT, (x + y) * 255 // (WIDTH + HEIGHT)], -1)
    noisy = np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noisy, "RGB").save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def _state(photo: bytes) -> SessionState:
    mask = Mask(WIDTH, HEIGHT)
    mask.fill_ellipse(Box(2000, 1200, 3400, 2600))
    mask.feather(12)
    return SessionState(
        image=photo,
        image_name="big.jpg",
        image_format="JPEG",
        coverage=mask.coverage.copy(),
        prompt="replace the lamp with a potted fern",
        options={"model": "gpt-image-1.5", "n": 2, "size": "1536x1024"},
        runs=("20261125-071500-a1b2c3",),
    )


def main() -> None:
    with scratch_home() as home:
        photo = _photo()
        state = _state(photo)
        folder = Path(home)
        recovery = Recovery()
        recovery.claim()
        session = folder / "big.maskpaint"
        save_session(session, state)
        crashed = Recovery(folder / "crashed")  # a snapshot with no live owner
        crashed.autosave(state)
        (folder / "crashed" / f"{crashed.snapshot_path.stem}.lock").unlink()

        cases = [
            ("write photo bytes (baseline)", lambda: write_bytes(folder / "photo.jpg", photo)),
            ("autosave", lambda: recovery.autosave(state)),
            ("save_session", lambda: save_session(session, state)),
            ("load_session (decodes photo)", lambda: load_session(session)),
            ("pending() with 1 snapshot", lambda: Recovery(folder / "crashed").pending()),
        ]
        results = [(name, median(timings(fn, REPEAT))) for name, fn in cases]
        ratio = session.stat().st_size / len(photo)
        recovery.close()
    baseline = results[0][1]
    print_table(
        f"Session of a {WIDTH}x{HEIGHT} JPEG ({len(photo) / 1e6:.1f} MB), soft-edged mask, "
        f"median of {REPEAT}",
        ["operation", "median ms", "x baseline"],
        [(name, seconds * 1000, seconds / baseline) for name, seconds in results],
    )
    print(f"session file size / photo size: {ratio:.3f}")


if __name__ == "__main__":
    main()
