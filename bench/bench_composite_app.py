"""What compositing a variant costs the app on a 24 MP photo, and whether the GUI feels it.

The photo is ../shared/samples/coffee.png upscaled to 6000x4000, the mask a 300x200
ellipse, the variant photo-like noise at the model's size. Table 1: each step of one
arriving variant (gui/composite.py's job, then the tile's decode), median seconds,
against decoding the raw 1536x1024 variant for its tile (what every run already does),
and a crop run's one extra step: the full photo made drawable, for comparing composites.
Table 2: the longest gap of a 1 ms QTimer while the composite job (or that conversion)
runs on a pool, against the same loop left idle for as long.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from bench.bench_crop import SIZE, _sample
from bench.table import median, print_table, timings
from maskpaint.core.compose import plan_crop
from maskpaint.core.compose_run import Composition
from maskpaint.core.imageio import encode
from maskpaint.core.mask import Box, Mask
from maskpaint.core.models import get_model
from maskpaint.gui.qimage import photo_to_qimage
from maskpaint.gui.variants_view import decode_image
from maskpaint.gui.worker import run_in_background

REPEAT = 3
IDLE_SECONDS = 2.0


def _photo() -> Image.Image:
    with Image.open(_sample()) as image:
        return image.convert("RGB").resize(SIZE, Image.Resampling.BICUBIC)


def _mask() -> Mask:
    mask = Mask(*SIZE)
    mask.fill_ellipse(Box(3600, 1500, 3900, 1700))  # 300x200, as in bench_crop
    return mask


def _variant(size: tuple[int, int]) -> bytes:
    noise = Image.effect_noise(size, 40).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    return buffer.getvalue()


def _step_rows(whole: Composition, crop: Composition) -> list[list[object]]:
    raw = _variant((1536, 1024))
    assert crop.plan is not None
    crop_raw = _variant(crop.plan.send_size)
    result = whole.result(raw)
    composite_png = encode(result, "PNG")
    steps = (
        ("decode the raw variant for its tile (baseline)", lambda: decode_image(raw)),
        ("composite into the whole photo", lambda: whole.result(raw)),
        ("paste a crop's answer back", lambda: crop.result(crop_raw)),
        ("encode composite-N.png", lambda: encode(result, "PNG")),
        ("decode the composite for its tile", lambda: decode_image(composite_png)),
        ("a crop run's full photo for compare", lambda: photo_to_qimage(whole.original)),
    )
    seconds = [median(timings(step, REPEAT)) for _, step in steps]
    return [[name, s, s / seconds[0]] for (name, _), s in zip(steps, seconds, strict=True)]


def _longest_gap(app: QApplication, done: Callable[[], bool]) -> float:
    """Spin the event loop until done(); the longest gap between 1 ms ticks, in ms."""
    gaps: list[int] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(lambda: gaps.append(clock.restart()))
    clock.start()
    timer.start()
    while not done():
        app.processEvents()
    timer.stop()
    gaps.append(clock.elapsed())
    return float(max(gaps))


def _stall(app: QApplication, work: Callable[[], object]) -> tuple[float, float, float]:
    """Median (longest gap while `work` runs on the pool, the same idle, its seconds)."""
    job_gaps, idle_gaps, seconds = [], [], []
    for _ in range(REPEAT):
        start = time.monotonic()
        job = run_in_background(lambda context: work())
        job_gaps.append(_longest_gap(app, lambda job=job: job.done))
        seconds.append(time.monotonic() - start)
        until = time.monotonic() + min(IDLE_SECONDS, seconds[-1])
        idle_gaps.append(_longest_gap(app, lambda until=until: time.monotonic() >= until))
    return median(job_gaps), median(idle_gaps), median(seconds)


def _stall_rows(app: QApplication, whole: Composition) -> list[list[object]]:
    raw = _variant((1536, 1024))
    busy, idle, seconds = _stall(app, lambda: encode(whole.result(raw), "PNG"))
    photo, _, photo_seconds = _stall(app, lambda: photo_to_qimage(whole.original))
    return [
        ["idle event loop (baseline)", idle, 1.0],
        [f"composite + encode on the CPU pool ({seconds:.1f} s)", busy, busy / idle],
        [f"full photo for compare on a pool ({photo_seconds:.1f} s)", photo, photo / idle],
    ]


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    photo, mask = _photo(), _mask()
    plan = plan_crop(photo.size, mask, get_model("gpt-image-1.5"))
    whole, crop = Composition(photo, mask, None), Composition(photo, mask, plan)
    print_table(
        "One variant on a 6000x4000 photo: the app's steps, median seconds",
        ["step", "seconds", "x baseline"],
        _step_rows(whole, crop),
    )
    print_table(
        "Longest event-loop stall while a 24 MP composite is made",
        ["event loop", "max stall ms (median)", "x baseline"],
        _stall_rows(app, whole),
    )


if __name__ == "__main__":
    main()
