"""The painting view: photo + mask overlay, zoom and pan, mouse and tablet input.

Speed rule: work per mouse move is proportional to the brush, not the photo. A dirty mask
box recolours only that slice of the overlay and repaints only its rectangle on screen;
paintEvent draws only the exposed rectangle, by source rect, from images converted once.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QNativeGestureEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPointingDevice,
    QPolygonF,
    QResizeEvent,
    QTabletEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from maskpaint.core.mask import Box
from maskpaint.gui.document import Document
from maskpaint.gui.overlay import MaskOverlay
from maskpaint.gui.qimage import photo_to_qimage
from maskpaint.gui.tools import BrushTool, LassoTool, RectangleTool, Tool, ToolKind, ToolState

MIN_ZOOM = 1 / 64
MAX_ZOOM = 64.0
#: Ctrl++ / Ctrl+- stop at these, so 100 % is always one step away.
ZOOM_STEPS = (1 / 32, 1 / 16, 1 / 8, 1 / 6, 1 / 4, 1 / 3, 1 / 2, 2 / 3, 1.0, 1.5, 2.0, 3.0, 4.0)
ZOOM_STEPS += (6.0, 8.0, 12.0, 16.0, 24.0, 32.0, 48.0, 64.0)
WHEEL_FACTOR = 1.25  # per notch (120 eighths of a degree)
BACKGROUND = QColor(64, 64, 64)


class Canvas(QAbstractScrollArea):
    """Shows the document and paints on it with the current tool."""

    #: The zoom factor changed (1.0 = 100 %).
    zoom_changed = Signal(float)
    #: The image pixel under the cursor: (x, y) ints, or None when outside the photo.
    hover_changed = Signal(object)

    def __init__(self, document: Document, tools: ToolState, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.tools = tools
        self.overlay = MaskOverlay(self)
        self.zoom = 1.0
        self.fit_mode = True
        self._photo = QImage()
        self._tool_objects: dict[ToolKind, Tool] = {
            ToolKind.BRUSH: BrushTool(document, tools),
            ToolKind.RECTANGLE: RectangleTool(document),
            ToolKind.LASSO: LassoTool(document),
        }
        self._gesture_tool: Tool | None = None
        self._preview_rect = QRect()
        self._cursor_pos: QPointF | None = None
        self._space_down = False
        self._pan_from: QPointF | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_TabletTracking)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self.grabGesture(Qt.GestureType.PinchGesture)
        document.image_changed.connect(self._on_image_changed)
        document.mask_changed.connect(self._on_mask_changed)
        self.overlay.changed.connect(self.viewport().update)
        tools.changed.connect(self._on_tools_changed)
        self._on_image_changed()

    def add_tool(self, kind: ToolKind, tool: Tool) -> None:
        """Make `tool` the one used while `kind` is the current tool (selection tools)."""
        self._tool_objects[kind] = tool

    # ----- coordinates -------------------------------------------------------------

    def origin(self) -> QPointF:
        """Viewport position of the photo's top-left corner (centred when it fits)."""
        view = self.viewport().size()
        x = (view.width() - self.document.width * self.zoom) / 2
        y = (view.height() - self.document.height * self.zoom) / 2
        return QPointF(
            x if x >= 0 else -self.horizontalScrollBar().value(),
            y if y >= 0 else -self.verticalScrollBar().value(),
        )

    def to_image(self, view_point: QPointF) -> tuple[float, float]:
        """Exact (float) image coordinates of a viewport point."""
        origin = self.origin()
        return (
            (view_point.x() - origin.x()) / self.zoom,
            (view_point.y() - origin.y()) / self.zoom,
        )

    def to_view(self, x: float, y: float) -> QPointF:
        origin = self.origin()
        return QPointF(origin.x() + x * self.zoom, origin.y() + y * self.zoom)

    def view_rect(self, box: Box) -> QRect:
        """Viewport pixels that show any part of `box`, with a pixel to spare for rounding."""
        top_left = self.to_view(box.left, box.top)
        bottom_right = self.to_view(box.right, box.bottom)
        return QRectF(top_left, bottom_right).toAlignedRect().adjusted(-1, -1, 1, 1)

    # ----- zoom and pan ------------------------------------------------------------

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the image point under `anchor` (default: the view centre) in place."""
        zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        if anchor is None:
            anchor = QRectF(self.viewport().rect()).center()
        image_x, image_y = self.to_image(anchor)
        self.fit_mode = False
        self.zoom = zoom
        self._update_scroll_ranges()
        self.horizontalScrollBar().setValue(round(image_x * zoom - anchor.x()))
        self.verticalScrollBar().setValue(round(image_y * zoom - anchor.y()))
        self.viewport().update()
        self.zoom_changed.emit(self.zoom)

    def zoom_in(self) -> None:
        self.set_zoom(next((z for z in ZOOM_STEPS if z > self.zoom * 1.001), MAX_ZOOM))

    def zoom_out(self) -> None:
        smaller = [z for z in ZOOM_STEPS if z < self.zoom / 1.001]
        self.set_zoom(smaller[-1] if smaller else MIN_ZOOM)

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def fit(self) -> None:
        """Show the whole photo; stays fitted as the window is resized."""
        view = self.viewport().size()
        self.zoom = max(
            MIN_ZOOM,
            min(
                MAX_ZOOM,
                view.width() / self.document.width,
                view.height() / self.document.height,
            ),
        )
        self.fit_mode = True
        self._update_scroll_ranges()
        self.viewport().update()
        self.zoom_changed.emit(self.zoom)

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the photo by (dx, dy) viewport pixels."""
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(dx))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(dy))

    def _update_scroll_ranges(self) -> None:
        view = self.viewport().size()
        for bar, content, page in (
            (self.horizontalScrollBar(), self.document.width * self.zoom, view.width()),
            (self.verticalScrollBar(), self.document.height * self.zoom, view.height()),
        ):
            bar.setPageStep(page)
            bar.setSingleStep(max(1, page // 20))
            bar.setRange(0, max(0, math.ceil(content - page)))

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fit_mode:
            self.fit()
        else:
            self._update_scroll_ranges()

    # ----- painting ----------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        exposed = event.rect()
        painter = QPainter(self.viewport())
        painter.fillRect(exposed, BACKGROUND)
        photo_rect = QRectF(self.origin(), QSizeF(self._photo.size()) * self.zoom)
        if photo_rect.intersects(QRectF(exposed)):
            painter.setClipRect(exposed)
            # Always the whole image onto its whole on-screen rect, clipped to the exposed
            # part: Qt only samples the clipped pixels, and every repaint, however small,
            # maps screen pixels to photo pixels the same way (no seams, no shifted pixels).
            source, target = QRectF(self._photo.rect()), photo_rect
            # Bilinear when zoomed out (no aliasing), nearest when zoomed in (crisp pixels).
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.zoom < 1.0)
            if self.overlay.mask_only:
                self.overlay.draw(painter, target, source)
            else:
                if self._photo.hasAlphaChannel():
                    painter.fillRect(target, Qt.BrushStyle.Dense4Pattern)
                painter.drawImage(target, self._photo, source)
                if self.overlay.visible:
                    self.overlay.draw(painter, target, source)
            painter.setClipping(False)
        self._paint_tool_preview(painter)
        self._paint_brush_cursor(painter)
        painter.end()

    def _paint_tool_preview(self, painter: QPainter) -> None:
        points = self._current_tool().outline()
        if not points:
            return
        polygon = QPolygonF([self.to_view(x, y) for x, y in points])
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(Qt.GlobalColor.white, 1))
        painter.drawPolygon(polygon)
        painter.setPen(QPen(Qt.GlobalColor.black, 1, Qt.PenStyle.DashLine))
        painter.drawPolygon(polygon)

    def _paint_brush_cursor(self, painter: QPainter) -> None:
        if self._cursor_pos is None or self.tools.kind is not ToolKind.BRUSH:
            return
        radius = max(1.0, self.tools.radius * self.zoom)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(Qt.GlobalColor.black, 1))
        painter.drawEllipse(self._cursor_pos, radius + 1, radius + 1)
        style = Qt.PenStyle.DashLine if self.tools.erase else Qt.PenStyle.SolidLine
        painter.setPen(QPen(Qt.GlobalColor.white, 1, style))
        painter.drawEllipse(self._cursor_pos, radius, radius)

    def _cursor_rect(self) -> QRect:
        if self._cursor_pos is None:
            return QRect()
        reach = max(1.0, self.tools.radius * self.zoom) + 3
        return QRectF(
            self._cursor_pos.x() - reach, self._cursor_pos.y() - reach, 2 * reach, 2 * reach
        ).toAlignedRect()

    def _move_cursor(self, pos: QPointF | None) -> None:
        self.viewport().update(self._cursor_rect())
        self._cursor_pos = pos
        self.viewport().update(self._cursor_rect())

    def _update_preview(self) -> None:
        self.viewport().update(self._preview_rect)
        points = self._current_tool().outline()
        if points:
            polygon = QPolygonF([self.to_view(x, y) for x, y in points])
            self._preview_rect = polygon.boundingRect().toAlignedRect().adjusted(-2, -2, 2, 2)
        else:
            self._preview_rect = QRect()
        self.viewport().update(self._preview_rect)

    # ----- document signals --------------------------------------------------------

    def _on_image_changed(self) -> None:
        for tool in self._tool_objects.values():
            tool.cancel()
        self._gesture_tool = None
        self._photo = photo_to_qimage(self.document.image)
        self.overlay.reset(self.document.mask)
        self.fit()

    def _on_mask_changed(self, box: Box) -> None:
        self.overlay.refresh(self.document.mask, box)
        self.viewport().update(self.view_rect(box))

    def _on_tools_changed(self) -> None:
        self._move_cursor(self._cursor_pos)

    def _current_tool(self) -> Tool:
        return self._gesture_tool or self._tool_objects[self.tools.kind]

    # ----- input -------------------------------------------------------------------

    def viewportEvent(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TabletPress, QEvent.Type.TabletMove, QEvent.Type.TabletRelease):
            assert isinstance(event, QTabletEvent)
            self._tablet_event(event)
            return True
        if kind == QEvent.Type.NativeGesture:
            assert isinstance(event, QNativeGestureEvent)
            if event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
                self.set_zoom(self.zoom * (1.0 + event.value()), event.position())
                return True
        if kind == QEvent.Type.Leave:
            self._move_cursor(None)
            self.hover_changed.emit(None)
        return super().viewportEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and self._space_down
        ):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        elif button == Qt.MouseButton.LeftButton:
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self._begin(event.position(), shift=shift, pressure=1.0, eraser_end=False)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.pan_by(delta.x(), delta.y())
        elif self._gesture_tool is not None:
            self._continue(event.position(), 1.0)
        self._hover(event.position())
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None and event.button() in (
            Qt.MouseButton.MiddleButton,
            Qt.MouseButton.LeftButton,
        ):
            self._pan_from = None
            self._restore_cursor()
        elif event.button() == Qt.MouseButton.LeftButton:
            alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
            self._end(event.position(), alt=alt)
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120.0
        if notches:
            self.set_zoom(self.zoom * WHEEL_FACTOR**notches, event.position())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space_down = True
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space_down = False
                self._restore_cursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def _tablet_event(self, event: QTabletEvent) -> None:
        """Pen input: pressure scales the brush; the eraser end always erases."""
        kind = event.type()
        position = event.position()
        if kind == QEvent.Type.TabletPress and event.button() == Qt.MouseButton.LeftButton:
            eraser = event.pointerType() == QPointingDevice.PointerType.Eraser
            shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self._begin(position, shift=shift, pressure=event.pressure(), eraser_end=eraser)
        elif kind == QEvent.Type.TabletMove and self._gesture_tool is not None:
            self._continue(position, event.pressure())
        elif kind == QEvent.Type.TabletRelease and self._gesture_tool is not None:
            alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
            self._end(position, alt=alt)
        self._hover(position)
        event.accept()

    def _begin(self, pos: QPointF, *, shift: bool, pressure: float, eraser_end: bool) -> None:
        self._gesture_tool = self._tool_objects[self.tools.kind]
        self._gesture_tool.press(
            self.to_image(pos), shift=shift, pressure=pressure, eraser_end=eraser_end
        )
        self._update_preview()

    def _continue(self, pos: QPointF, pressure: float) -> None:
        assert self._gesture_tool is not None
        self._gesture_tool.move(self.to_image(pos), pressure)
        self._update_preview()

    def _end(self, pos: QPointF, *, alt: bool) -> None:
        if self._gesture_tool is None:
            return
        tool, self._gesture_tool = self._gesture_tool, None
        tool.release(self.to_image(pos), alt=alt)
        self._update_preview()

    def _hover(self, pos: QPointF) -> None:
        self._move_cursor(pos)
        x, y = self.to_image(pos)
        inside = 0 <= x < self.document.width and 0 <= y < self.document.height
        self.hover_changed.emit((math.floor(x), math.floor(y)) if inside else None)

    def _restore_cursor(self) -> None:
        shape = Qt.CursorShape.OpenHandCursor if self._space_down else Qt.CursorShape.CrossCursor
        self.viewport().setCursor(shape)
