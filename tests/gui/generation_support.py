"""Helpers for the generation tests: a signal recorder, painting, reading run folders."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

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
    "message_cleared",
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
