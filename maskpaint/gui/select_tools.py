"""The canvas's smart selection tools: magic wand (W) and select subject (Q).

Both hand their gesture to the `Selector`, which computes off the GUI thread and applies
the result as one undo step. Alt at release subtracts; otherwise (and with Shift) they add.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from maskpaint.core.select import SelectMode
from maskpaint.gui.document import Document
from maskpaint.gui.selector import Selector
from maskpaint.gui.settings import app_settings, read_float
from maskpaint.gui.tools import Point, RectangleTool, Tool, pixel_box

DEFAULT_TOLERANCE = 32


class WandSettings(QObject):
    """Magic wand tolerance (0..255 per channel) and contiguous flag, remembered across runs."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        settings = app_settings()
        tolerance = read_float(settings, "wand/tolerance", DEFAULT_TOLERANCE)
        self.tolerance = min(max(round(tolerance), 0), 255)
        self.contiguous = str(settings.value("wand/contiguous", "true")).lower() == "true"

    def set_tolerance(self, tolerance: int) -> None:
        self.tolerance = min(max(int(tolerance), 0), 255)
        self._save()

    def set_contiguous(self, contiguous: bool) -> None:
        self.contiguous = bool(contiguous)
        self._save()

    def _save(self) -> None:
        settings = app_settings()
        settings.setValue("wand/tolerance", self.tolerance)
        settings.setValue("wand/contiguous", "true" if self.contiguous else "false")
        self.changed.emit()


def _mode(alt: bool) -> SelectMode:
    return "subtract" if alt else "add"


class MagicWandTool(Tool):
    """Click to select the pixels of a similar colour; the selection is made at release."""

    def __init__(self, selector: Selector, settings: WandSettings) -> None:
        self._selector = selector
        self._settings = settings
        self._point: Point | None = None

    @property
    def active(self) -> bool:
        return self._point is not None

    def press(self, point: Point, *, shift: bool, pressure: float, eraser_end: bool) -> None:
        self._point = point

    def release(self, point: Point, *, alt: bool) -> None:
        if self._point is None:
            return
        # The pixel pressed on, not released on: a click that slips a pixel still means it.
        clicked, self._point = self._point, None
        settings = self._settings
        self._selector.magic_wand(clicked, settings.tolerance, settings.contiguous, _mode(alt))

    def cancel(self) -> None:
        self._point = None


class SubjectTool(RectangleTool):
    """Drag a rectangle around the subject; GrabCut finds it in the background."""

    def __init__(self, document: Document, selector: Selector) -> None:
        super().__init__(document)
        self._selector = selector

    def release(self, point: Point, *, alt: bool) -> None:
        if self._start is None:
            return
        box = pixel_box(self._start, point)
        self._start = self._end = None
        self._selector.select_subject(box, _mode(alt))
