"""Canvas responsiveness: one mouse move, including the repaint it schedules, 1K vs 8K.

Synthetic strokes are sent to the real main window (offscreen) as QMouseEvents; after each
move the pending repaint is forced with processEvents(), so a row measures everything the
user waits for. Memory: peak RSS growth after 200 strokes on the 8K photo, against the
photo's RGBA bytes.
"""

from __future__ import annotations

import os
import random
import resource
import time

from PIL import Image
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from bench.scratch import scratch_home
from bench.table import median, percentile, print_table
from maskpaint.core.imageio import ImageInfo, LoadedImage

SIZES = {"1K": (1024, 768), "8K": (7680, 4320)}
STROKES = 200
MOVES_PER_STROKE = 20
STEP = 6.0  # viewport pixels between mouse moves: a brisk hand at 100 %


def synthetic_photo(width: int, height: int) -> Image.Image:
    """A smooth RGB photo built without any full-size temporary bigger than one channel."""
    channels = [
        Image.linear_gradient("L").resize((width, height)),
        Image.radial_gradient("L").resize((width, height)),
        Image.linear_gradient("L").rotate(90).resize((width, height)),
    ]
    return Image.merge("RGB", channels)


def load_photo(window, photo: Image.Image, name: str) -> None:
    """Show `photo` as if it had been opened (no file round trip to blur the memory figure)."""
    info = ImageInfo(photo.width, photo.height, "PNG", photo.mode, 0, False, False)
    window.document.load(LoadedImage(photo, info, None), None, name, None)


def _stats(wall: list[float], cpu: list[float]) -> list[float]:
    return [
        median(wall) * 1e3,
        percentile(wall, 99) * 1e3,
        median(cpu) * 1e3,
        percentile(cpu, 99) * 1e3,
    ]


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def send(viewport, kind: QEvent.Type, pos: QPointF, button: Qt.MouseButton) -> None:
    held = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
    event = QMouseEvent(
        kind,
        pos,
        QPointF(viewport.mapToGlobal(pos)),
        button if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton,
        held,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, event)


class StrokeRunner:
    """Paints synthetic strokes inside the visible photo of one window, timing each move."""

    def __init__(self, app: QApplication, window, seed: int) -> None:
        self._app = app
        self._canvas = window.canvas
        self._rng = random.Random(seed)
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def stroke(self) -> None:
        canvas, rng, app = self._canvas, self._rng, self._app
        viewport = canvas.viewport()
        corner, far = (
            canvas.to_view(0, 0),
            canvas.to_view(canvas.document.width, canvas.document.height),
        )
        left, top = max(0.0, corner.x()) + 30, max(0.0, corner.y()) + 30
        right = min(viewport.width(), far.x()) - 30
        bottom = min(viewport.height(), far.y()) - 30
        button = Qt.MouseButton.LeftButton
        x, y = rng.uniform(left, right), rng.uniform(top, bottom)
        dx, dy = rng.choice((-STEP, STEP)), rng.uniform(-STEP, STEP)
        send(viewport, QEvent.Type.MouseButtonPress, QPointF(x, y), button)
        app.processEvents()
        for _ in range(MOVES_PER_STROKE):
            x = min(right, max(left, x + dx))
            y = min(bottom, max(top, y + dy))
            start, start_cpu = time.perf_counter(), time.thread_time()
            send(viewport, QEvent.Type.MouseMove, QPointF(x, y), button)
            app.processEvents()  # the repaint this move scheduled
            self.wall.append(time.perf_counter() - start)
            self.cpu.append(time.thread_time() - start_cpu)
        send(viewport, QEvent.Type.MouseButtonRelease, QPointF(x, y), button)
        app.processEvents()


def open_window(app: QApplication, width: int, height: int, name: str):
    """A main window showing a synthetic photo at 100 % with a 40 px hard brush."""
    from maskpaint.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    window.tools.set_size(40)
    window.tools.set_hardness(1.0)
    load_photo(window, synthetic_photo(width, height), name)
    window.canvas.actual_size()
    app.processEvents()
    return window


def main() -> None:
    with scratch_home():
        _bench()


def _bench() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([])
    small = open_window(app, *SIZES["1K"], "1K")
    baseline = rss_bytes()
    large = open_window(app, *SIZES["8K"], "8K")
    runners = {"1K": StrokeRunner(app, small, 7), "8K": StrokeRunner(app, large, 7)}
    # Interleaved, so both photos meet the same load from whatever else the machine runs.
    for _ in range(STROKES):
        for runner in runners.values():
            runner.stroke()
    growth = peak_rss_bytes() - baseline
    rows = [
        [f"{name} ({SIZES[name][0]}×{SIZES[name][1]})", len(r.wall), *_stats(r.wall, r.cpu)]
        for name, r in runners.items()
    ]
    rows.append(["8K / 1K", "", *(a / b for a, b in zip(rows[1][2:], rows[0][2:], strict=True))])
    print_table(
        "Canvas: one mouse move incl. its repaint (100 % zoom, 40 px hard brush). "
        "CPU = this thread's CPU time (wall time on a shared 2-core box includes waiting)",
        ["photo", "moves", "wall median ms", "wall p99 ms", "CPU median ms", "CPU p99 ms"],
        rows,
    )
    width, height = SIZES["8K"]
    rgba = width * height * 4
    print()
    print_table(
        f"Canvas memory after {STROKES} strokes on the 8K photo (window, photo, overlay, undo)",
        ["photo RGBA MB", "peak RSS growth MB", "growth / RGBA"],
        [[rgba / 2**20, growth / 2**20, growth / rgba]],
    )
    for window in (small, large):
        window.close()


if __name__ == "__main__":
    main()
