"""The variants view receiving 4 PNG results of 1536x1024: the longest stall of the GUI.

The stall is the longest gap between ticks of a 1 ms QTimer while the four images
arrive, decode and appear (the issue's bar: under 50 ms). Rows:
- baseline: `QImage.fromData` on the GUI thread as each image arrives;
- the same decode on the worker pool: PySide holds the GIL through a Qt call, so the
  GUI thread waits anyway;
- `VariantsView.add_variant`: Pillow decodes on one worker thread, then swaps in.
Each row is the median of a few rounds, after one warm-up round.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from bench.table import median, print_table
from maskpaint.gui.variants_view import VariantsView
from maskpaint.gui.worker import run_in_background

ROUNDS = 5


def _png(seed: int) -> bytes:
    noise = Image.effect_noise((1536, 1024), 40 + seed).convert("RGB")  # photo-like entropy
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    return buffer.getvalue()


def _longest_gap(app: QApplication, work: Callable[[], None], done: Callable[[], bool]) -> float:
    """Run `work()`, then spin the event loop until `done()`; the longest tick gap in ms."""
    gaps: list[int] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(lambda: gaps.append(clock.restart()))
    clock.start()
    timer.start()
    work()
    deadline = time.monotonic() + 30
    while not done() and time.monotonic() < deadline:
        app.processEvents()
    app.processEvents()
    timer.stop()
    gaps.append(clock.elapsed())
    return float(max(gaps))


def _gui_thread(app: QApplication, variants: list[bytes]) -> float:
    def work() -> None:
        for data in variants:
            QImage.fromData(data)
            app.processEvents()

    return _longest_gap(app, work, lambda: True)


def _qt_on_workers(app: QApplication, variants: list[bytes]) -> float:
    jobs = []

    def work() -> None:
        for data in variants:
            jobs.append(run_in_background(lambda context, d=data: QImage.fromData(d)))

    return _longest_gap(app, work, lambda: all(job.done for job in jobs))


def _view(app: QApplication, variants: list[bytes]) -> float:
    view = VariantsView()
    view.resize(1200, 800)
    view.show()
    view.begin_run("bench", variants[0], len(variants), None)  # before the answer comes
    while view.busy():
        app.processEvents()

    def work() -> None:
        for index, data in enumerate(variants):
            view.add_variant("bench", index, data, "png", None)

    gap = _longest_gap(app, work, lambda: not view.busy())
    view.close()
    view.deleteLater()
    return gap


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    variants = [_png(i) for i in range(4)]
    rows = []
    for name, measure in (
        ("QImage.fromData on the GUI thread (baseline)", _gui_thread),
        ("QImage.fromData on the worker pool", _qt_on_workers),
        ("VariantsView (Pillow on a decode worker)", _view),
    ):
        measure(app, variants)  # warm-up: first widgets, first decoder tables
        rows.append([name, median([measure(app, variants) for _ in range(ROUNDS)])])
    base = rows[0][1]
    print_table(
        "Receiving 4 PNG variants of 1536x1024: longest event-loop stall",
        ["decode", "max stall ms (median)", "x baseline"],
        [[name, stall, stall / base] for name, stall in rows],
    )


if __name__ == "__main__":
    main()
