"""Painting tools and their shared settings. Tools speak image coordinates (floats) only.

The canvas turns mouse/tablet events into image points and hands them here; a tool turns
them into mask operations through the Document, so every change is one undo step.
"""

from __future__ import annotations

import math
from enum import Enum

from PySide6.QtCore import QObject, Signal

from maskpaint.core.mask import Box, Brush, Stroke
from maskpaint.gui.document import Document
from maskpaint.gui.settings import app_settings, read_float

MIN_SIZE = 1.0
MAX_SIZE = 2000.0
HARDNESS_STEP = 0.1

Point = tuple[float, float]


class ToolKind(Enum):
    BRUSH = "brush"
    RECTANGLE = "rectangle"
    LASSO = "lasso"
    WAND = "magic wand"  # tools in select_tools.py, added to the canvas by select_actions.py
    SUBJECT = "select subject"


class ToolState(QObject):
    """The current tool, brush size (diameter, image px), hardness and paint/erase mode."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        settings = app_settings()
        self.kind = ToolKind.BRUSH
        self.erase = False
        self.size = _clamp(read_float(settings, "brush/size", 40.0), MIN_SIZE, MAX_SIZE)
        self.hardness = _clamp(read_float(settings, "brush/hardness", 1.0), 0.0, 1.0)

    @property
    def radius(self) -> float:
        return self.size / 2.0

    def brush(self, force_erase: bool = False) -> Brush:
        """The brush to paint with now; `force_erase` is the tablet pen's eraser end."""
        return Brush(self.radius, hardness=self.hardness, erase=self.erase or force_erase)

    def set_kind(self, kind: ToolKind, erase: bool | None = None) -> None:
        self.kind = kind
        if erase is not None:
            self.erase = erase
        self.changed.emit()

    def swap_paint_erase(self) -> None:
        self.erase = not self.erase
        self.changed.emit()

    def set_size(self, size: float) -> None:
        self.size = _clamp(float(size), MIN_SIZE, MAX_SIZE)
        self._save()

    def bigger(self) -> None:
        """Steps of about 10 %, at least one pixel, like Photoshop's ] key."""
        self.set_size(self.size + max(1.0, round(self.size * 0.1)))

    def smaller(self) -> None:
        self.set_size(self.size - max(1.0, round(self.size * 0.1)))

    def set_hardness(self, hardness: float) -> None:
        self.hardness = _clamp(round(hardness, 2), 0.0, 1.0)
        self._save()

    def harder(self) -> None:
        self.set_hardness(self.hardness + HARDNESS_STEP)

    def softer(self) -> None:
        self.set_hardness(self.hardness - HARDNESS_STEP)

    def _save(self) -> None:
        settings = app_settings()
        settings.setValue("brush/size", self.size)
        settings.setValue("brush/hardness", self.hardness)
        self.changed.emit()


class Tool:
    """A press-move-release gesture in image coordinates."""

    def press(self, point: Point, *, shift: bool, pressure: float, eraser_end: bool) -> None:
        """Start a gesture."""

    def move(self, point: Point, pressure: float) -> None:
        """Continue the gesture."""

    def release(self, point: Point, *, alt: bool) -> None:
        """Finish the gesture and commit it as one undo step."""

    def cancel(self) -> None:
        """Drop an unfinished gesture (the photo changed under it)."""

    def outline(self) -> list[Point]:
        """Shape being drawn, for the canvas to preview (empty = nothing)."""
        return []

    @property
    def active(self) -> bool:
        return False


class BrushTool(Tool):
    """Freehand painting or erasing; Shift+press draws a straight line from the last point."""

    def __init__(self, document: Document, state: ToolState) -> None:
        self._document = document
        self._state = state
        self._stroke: Stroke | None = None
        self._erasing = False
        self._last: Point | None = None

    @property
    def active(self) -> bool:
        return self._stroke is not None

    def press(self, point: Point, *, shift: bool, pressure: float, eraser_end: bool) -> None:
        brush = self._state.brush(force_erase=eraser_end)
        self._erasing = brush.erase
        self._stroke = self._document.mask.stroke(brush)
        if shift and self._last is not None:
            self._add(self._last, pressure)
        self._add(point, pressure)

    def move(self, point: Point, pressure: float) -> None:
        if self._stroke is not None:
            self._add(point, pressure)

    def release(self, point: Point, *, alt: bool) -> None:
        if self._stroke is None:
            return
        edit = self._stroke.finish()
        self._stroke = None
        self._document.push_edit(edit, "Erase" if self._erasing else "Paint")

    def cancel(self) -> None:
        if self._stroke is not None:
            self._document.push_edit(self._stroke.finish(), "Paint")
        self._stroke = None
        self._last = None

    def _add(self, point: Point, pressure: float) -> None:
        assert self._stroke is not None
        self._last = point
        self._document.notify_mask_changed(self._stroke.add_point(point[0], point[1], pressure))


class RectangleTool(Tool):
    """Drag a rectangle to fill it; Alt at release subtracts it instead."""

    def __init__(self, document: Document) -> None:
        self._document = document
        self._start: Point | None = None
        self._end: Point | None = None

    @property
    def active(self) -> bool:
        return self._start is not None

    def press(self, point: Point, *, shift: bool, pressure: float, eraser_end: bool) -> None:
        self._start = self._end = point

    def move(self, point: Point, pressure: float) -> None:
        if self._start is not None:
            self._end = point

    def release(self, point: Point, *, alt: bool) -> None:
        if self._start is None:
            return
        box = pixel_box(self._start, point)
        self._start = self._end = None
        self._document.apply(
            lambda mask: mask.fill_rect(box, subtract=alt),
            "Erase rectangle" if alt else "Rectangle",
        )

    def cancel(self) -> None:
        self._start = self._end = None

    def outline(self) -> list[Point]:
        if self._start is None or self._end is None:
            return []
        box = pixel_box(self._start, self._end)
        return [
            (box.left, box.top),
            (box.right, box.top),
            (box.right, box.bottom),
            (box.left, box.bottom),
        ]


class LassoTool(Tool):
    """Draw a freehand outline to fill it; Alt at release subtracts it instead."""

    def __init__(self, document: Document) -> None:
        self._document = document
        self._points: list[Point] = []

    @property
    def active(self) -> bool:
        return bool(self._points)

    def press(self, point: Point, *, shift: bool, pressure: float, eraser_end: bool) -> None:
        self._points = [point]

    def move(self, point: Point, pressure: float) -> None:
        if self._points and point != self._points[-1]:
            self._points.append(point)

    def release(self, point: Point, *, alt: bool) -> None:
        self.move(point, 1.0)
        points, self._points = self._points, []
        if len(points) < 3:
            return
        self._document.apply(
            lambda mask: mask.fill_polygon(points, subtract=alt), "Erase lasso" if alt else "Lasso"
        )

    def cancel(self) -> None:
        self._points = []

    def outline(self) -> list[Point]:
        return list(self._points)


def pixel_box(a: Point, b: Point) -> Box:
    """The pixels from the one under `a` to the one under `b`, both included."""
    left, right = sorted((math.floor(a[0]), math.floor(b[0])))
    top, bottom = sorted((math.floor(a[1]), math.floor(b[1])))
    return Box(left, top, right + 1, bottom + 1)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))
