"""Status bar fields: image size, zoom, brush, edited area and the pixel under the cursor."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar

from maskpaint.gui.canvas import Canvas
from maskpaint.gui.document import Document
from maskpaint.gui.tools import ToolKind, ToolState
from maskpaint.gui.worker import Job, run_in_background


class StatusFields:
    """Keeps the permanent status-bar labels in step with the document, canvas and tools."""

    def __init__(self, bar: QStatusBar, document: Document, canvas: Canvas, tools: ToolState):
        self._document = document
        self._tools = tools
        self.pixel = QLabel()
        self.image_size = QLabel()
        self.zoom = QLabel()
        self.brush = QLabel()
        self.edited = QLabel()
        for label in (self.pixel, self.image_size, self.zoom, self.brush, self.edited):
            label.setContentsMargins(6, 0, 6, 0)
            # An empty label is shorter; the bar must not change height when the cursor
            # enters the photo, or a fitted canvas would resize and the photo jump.
            label.setMinimumHeight(label.fontMetrics().height())
            bar.addPermanentWidget(label)
        # Counting edited pixels reads the whole mask (36 ms at 8K): once per undo step, not
        # per move, and off the GUI thread; a step made meanwhile counts once more after.
        self._counting: Job[float] | None = None
        self._count_again = False
        self._edited_timer = QTimer(bar)
        self._edited_timer.setSingleShot(True)
        self._edited_timer.setInterval(0)
        self._edited_timer.timeout.connect(self._show_edited)
        document.image_changed.connect(self._show_image)
        document.undo_stack.indexChanged.connect(self._edited_timer.start)
        canvas.zoom_changed.connect(lambda zoom: self.zoom.setText(f"{zoom * 100:.4g} %"))
        canvas.hover_changed.connect(self._show_pixel)
        tools.changed.connect(self._show_brush)
        self._show_image()
        self._show_brush()
        self.zoom.setText(f"{canvas.zoom * 100:.4g} %")

    def _show_image(self) -> None:
        self.image_size.setText(f"{self._document.width} × {self._document.height}")
        self._show_edited()

    def _show_edited(self) -> None:
        if self._counting is not None:
            self._count_again = True
            return
        mask = self._document.mask  # edits change it in place; a photo change replaces it
        self._counting = run_in_background(
            lambda context: mask.edited_fraction(),
            name="count edited pixels",
            owner=self.edited,
            on_success=lambda share: self.edited.setText(f"Edited {share * 100:.1f} %"),
            on_finished=self._counted,
        )

    def _counted(self) -> None:
        self._counting = None
        if self._count_again:
            self._count_again = False
            self._show_edited()

    def _show_brush(self) -> None:
        tools = self._tools
        if tools.kind is ToolKind.BRUSH:
            name = "Eraser" if tools.erase else "Brush"
        else:
            name = tools.kind.value.capitalize()
        self.brush.setText(f"{name} · {tools.size:g} px · hardness {tools.hardness * 100:.0f} %")

    def _show_pixel(self, pixel: tuple[int, int] | None) -> None:
        if pixel is None:
            self.pixel.clear()
            return
        x, y = pixel
        value = self._document.image.getpixel((x, y))
        channels = " ".join(str(v) for v in value) if isinstance(value, tuple) else str(value)
        mask = int(self._document.mask.coverage[y, x])
        self.pixel.setText(f"x {x}  y {y} · {channels} · mask {mask}")
