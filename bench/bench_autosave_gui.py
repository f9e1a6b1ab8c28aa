"""What the app's autosave costs on a 24-megapixel JPEG, and where: GUI thread vs worker.

Baseline: the core autosave of a ready SessionState (bench_session measures it against
raw disk writes). The GUI thread only takes the snapshot (a copy of the mask coverage);
the worker finds the photo's bytes: the first time by reading the file back and checking
it decodes to the same pixels, later from the cache. "PNG re-encode" is what every
autosave would cost without that (a lossless copy of the pixels each time).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from bench.scratch import scratch_home
from bench.table import median, print_table, timings
from maskpaint.core.imageio import encode, open_image
from maskpaint.core.mask import Box, Mask
from maskpaint.core.recovery import Recovery
from maskpaint.gui.panel_options import PanelOptions
from maskpaint.gui.session_state import WindowSnapshot

WIDTH, HEIGHT = 6000, 4000
REPEAT = 3


def _photo_file(folder: Path) -> Path:
    """A photo-like JPEG: smooth gradients plus sensor-like noise."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    base = np.stack([x * 255 // WIDTH, y * 255 // HEIGHT, (x + y) * 255 // (WIDTH + HEIGHT)], -1)
    noisy = np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noisy, "RGB").save(buffer, "JPEG", quality=92)
    path = folder / "big.jpg"
    path.write_bytes(buffer.getvalue())
    return path


def _mask() -> Mask:
    mask = Mask(WIDTH, HEIGHT)
    mask.fill_ellipse(Box(2000, 1200, 3400, 2600))
    mask.feather(12)
    return mask


def _snapshot(image: Image.Image, path: Path, mask: Mask) -> WindowSnapshot:
    """What SessionUi.capture() does on the GUI thread, without a window."""
    options = PanelOptions(prompt="replace the lamp with a potted fern", n=2)
    return WindowSnapshot(image, path, path.name, mask.coverage.copy(), options, runs=("r",))


def main() -> None:
    with scratch_home() as home:
        photo = _photo_file(Path(home))
        mask = _mask()
        recovery = Recovery()
        recovery.claim()
        cached = open_image(photo).image
        ready = _snapshot(cached, photo, mask).state()  # fills the cache for `cached`
        fresh = [open_image(photo).image for _ in range(REPEAT)]  # new photos: cache misses
        cases = [
            ("core autosave of a ready state (baseline)", lambda: recovery.autosave(ready)),
            ("GUI thread: take the snapshot", lambda: _snapshot(cached, photo, mask)),
            (
                "worker: autosave, photo cached",
                lambda: recovery.autosave(_snapshot(cached, photo, mask).state()),
            ),
            (
                "worker: first autosave of a photo (file check)",
                lambda: recovery.autosave(_snapshot(fresh.pop(), photo, mask).state()),
            ),
            ("PNG re-encode of the photo alone", lambda: encode(cached, "PNG")),
        ]
        results = [(name, median(timings(fn, REPEAT))) for name, fn in cases]
        recovery.close()
    baseline = results[0][1]
    print_table(
        f"App autosave of a {WIDTH}x{HEIGHT} JPEG with a soft mask, median of {REPEAT}",
        ["step", "median ms", "x baseline"],
        [(name, seconds * 1000, seconds / baseline) for name, seconds in results],
    )


if __name__ == "__main__":
    main()
