"""How long the GUI thread's event loop stalls while a generation of 4 × 1536x1024 images
runs, with the built-in server in a child process (what the app does) against the same
server in the app's own process (the baseline it replaced).

A 10 ms QTimer measures the gaps between its ticks, raw and without the time the OS kept
the app's threads waiting for a CPU (other programs' load; see the test's StallProbe).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from bench.scratch import scratch_home
from bench.table import median, print_table

RUNS = 3
SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "sample.png"


def _runqueue_waits() -> dict[str, float]:
    waits = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            waits[task.name] = int((task / "schedstat").read_text().split()[1]) / 1e6
        except (OSError, IndexError, ValueError):
            continue
    return waits


def _one_run(controller, template) -> tuple[float, float]:
    """(max raw gap, max gap without others' CPU load) in ms during one generation."""
    gui = str(threading.get_native_id())
    raw: list[float] = []
    own: list[float] = []
    last = [time.perf_counter(), _runqueue_waits()]

    def tick() -> None:
        now, waits = time.perf_counter(), _runqueue_waits()
        gap = (now - last[0]) * 1000
        grown = {t: w - last[1].get(t, 0.0) for t, w in waits.items()}
        mine = grown.pop(gui, 0.0)
        raw.append(gap)
        own.append(max(gap - mine - max(grown.values(), default=0.0), 0.0))
        last[:] = [now, waits]

    probe = QTimer()
    probe.setInterval(10)
    probe.timeout.connect(tick)
    loop = QEventLoop()
    probe.start()
    job = controller.generate(template)
    job.finished.connect(loop.quit)
    loop.exec()
    probe.stop()
    return max(raw), max(own)


def _measure(backend, history, document) -> tuple[list[float], list[float]]:
    from maskpaint.core.request import EditRequest
    from maskpaint.gui.generation import FROM_CANVAS, GenerationController

    controller = GenerationController(document, backend, history)
    template = EditRequest(images=(FROM_CANVAS,), prompt="bench", n=4, size="1536x1024")
    _one_run(controller, template)  # warm up: server start, imports
    results = [_one_run(controller, template) for _ in range(RUNS)]
    controller.shutdown()
    return [r[0] for r in results], [r[1] for r in results]


def main() -> None:
    with scratch_home() as home:
        _bench(home)


def _bench(home: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QApplication.instance() or QApplication([])
    from maskpaint.core.api_config import ClientConfig
    from maskpaint.core.history import History
    from maskpaint.core.imageio import open_image
    from maskpaint.core.settings import Settings
    from maskpaint.gui.backend import Backend
    from maskpaint.gui.document import Document
    from maskpaint.server import EmbeddedServer

    document = Document()
    document.load(open_image(SAMPLES), SAMPLES, SAMPLES.name, None)
    coverage = np.zeros((document.height, document.width), np.uint8)
    coverage[document.height // 3 : document.height // 2, document.width // 4 :] = 255
    document.apply(lambda mask: mask.replace(coverage), "bench mask")
    history = History(Path(home) / "history")

    child = Backend(Settings(), None)  # no key: the app's built-in server, a child process
    child_raw, child_own = _measure(child, history, document)
    child.close()
    with EmbeddedServer() as server:
        inside = Backend(Settings(), ClientConfig(base_url=server.base_url))
        inside_raw, inside_own = _measure(inside, history, document)
    history.close()

    base = median(child_own) or 1.0
    rows = [
        ("child process (the app)", median(child_raw), median(child_own), 1.0),
        (
            "in-process (baseline)",
            median(inside_raw),
            median(inside_own),
            median(inside_own) / base,
        ),
    ]
    print_table(
        f"Event-loop stall during 4 × 1536x1024 images, median of {RUNS} runs "
        f"({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})",
        ["built-in server", "max gap ms (raw)", "max gap ms (own)", "own vs child"],
        rows,
    )
