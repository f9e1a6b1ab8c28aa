"""Helpers for the generation tests: a signal recorder, painting, reading run folders."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PySide6.QtCore import QTimer

from maskpaint.gui.canvas import Canvas
from maskpaint.gui.generation import GenerationController
from tests.gui.helpers import drag, view_point

SIGNALS = (
    "run_started",
    "partial_arrived",
    "variant_arrived",
    "run_finished",
    "run_failed",
    "refused",
    "message",
    "retry_pending",
    "retry_over",
    "busy_changed",
)


@dataclass
class Recorder:
    """Every signal of a controller, in arrival order, with the time it arrived."""

    events: list[tuple[str, tuple[Any, ...], float]] = field(default_factory=list)

    @classmethod
    def attach(cls, controller: GenerationController) -> Recorder:
        recorder = cls()
        for name in SIGNALS:
            signal = getattr(controller, name)
            signal.connect(
                lambda *args, n=name: recorder.events.append((n, args, time.monotonic()))
            )
        return recorder

    def names(self) -> list[str]:
        return [name for name, _, _ in self.events]

    def args(self, name: str) -> list[tuple[Any, ...]]:
        return [args for n, args, _ in self.events if n == name]

    def first(self, name: str) -> tuple[Any, ...]:
        found = self.args(name)
        assert found, f"no {name} signal among {self.names()}"
        return found[0]

    def ended(self) -> bool:
        return any(n in ("run_finished", "run_failed") for n in self.names()) or (
            "refused" in self.names()
        )

    def messages(self) -> list[str]:
        return [args[0] for args in self.args("message")]


def paint_stroke(qtbot, canvas: Canvas, y: float = 200.0, x0: float = 150.0, x1: float = 450.0):
    """A horizontal brush stroke across the photo, in image coordinates."""
    points = [view_point(canvas, x, y) for x in np.linspace(x0, x1, 16)]
    drag(qtbot, canvas, points)


def run_json(folder: Path, name: str) -> dict[str, Any]:
    return json.loads((folder / name).read_bytes())


def edited_pixels(mask_png: Path) -> np.ndarray:
    """The pixels the API will edit: alpha 0 in the mask PNG as sent."""
    with Image.open(mask_png) as image:
        assert image.mode == "RGBA"
        return np.asarray(image.getchannel("A")) == 0


def decoded_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        image.load()
        return image.size


def _runqueue_waits() -> dict[str, float]:
    """Per thread of this process: ms spent runnable but waiting for a CPU (Linux schedstat)."""
    waits = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            waits[task.name] = int((task / "schedstat").read_text().split()[1]) / 1e6
        except (OSError, IndexError, ValueError):  # the thread ended meanwhile
            continue
    return waits


class StallProbe:
    """A QTimer every 10 ms measuring how late the GUI thread's event loop gets to it.

    `gaps` are the raw wall-clock gaps between ticks. `app_gaps` take away the time the
    OS kept threads waiting for a CPU although they were ready to run: the GUI thread's
    own wait, plus the longest wait of another thread of the app (the one holding the
    GIL while the GUI thread waits for it, preempted). On a machine loaded by other
    programs that time is their doing; on an idle machine both numbers are the same.
    The GUI thread waiting for the GIL or running the app's own slots is never taken
    away: that is exactly the stall the app must avoid.
    """

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.app_gaps: list[float] = []
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self._waits: dict[str, float] = {}
        self._gui = str(threading.get_native_id())

    def start(self) -> None:
        self._last, self._waits = time.perf_counter(), _runqueue_waits()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now, waits = time.perf_counter(), _runqueue_waits()
        gap = (now - self._last) * 1000
        grown = {tid: wait - self._waits.get(tid, 0.0) for tid, wait in waits.items()}
        gui = grown.pop(self._gui, 0.0)
        holder = max(grown.values(), default=0.0)
        self.gaps.append(gap)
        self.app_gaps.append(max(gap - gui - holder, 0.0))
        self._last, self._waits = now, waits
