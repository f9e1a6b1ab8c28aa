"""One zoom and pan shared by every tile of the variants view.

The state is kept in normalized image coordinates (0..1 across each axis), not pixels:
GPT image models often answer at another size than the photo sent, and a variant of
1536x1024 must line up with a 600x400 original when both are zoomed onto the same cup.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPointF, QRectF, QSizeF, Signal

MIN_ZOOM = 1.0
MAX_ZOOM = 64.0


class SharedTransform(QObject):
    """Zoom (1 = fit the tile) and the normalized image point shown at each tile's centre."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.zoom = 1.0
        self.center = QPointF(0.5, 0.5)

    def reset(self) -> None:
        """Back to "fit" (Ctrl+0)."""
        self.zoom, self.center = 1.0, QPointF(0.5, 0.5)
        self.changed.emit()

    def zoom_at(self, factor: float, anchor: QPointF) -> None:
        """Zoom by `factor` keeping the normalized point `anchor` where it is on screen."""
        new_zoom = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom * factor))
        if new_zoom == self.zoom:
            return
        keep = self.zoom / new_zoom
        self.center = anchor - (anchor - self.center) * keep
        self.zoom = new_zoom
        if new_zoom == MIN_ZOOM:
            self.center = QPointF(0.5, 0.5)
        self.changed.emit()

    def pan_by(self, delta: QPointF) -> None:
        """Move the view by `delta` in normalized units (a drag, already converted)."""
        self.center = self.center - delta
        self.changed.emit()

    def image_rect(self, viewport: QRectF, image_size: QSizeF) -> QRectF:
        """Where the whole image is drawn in a tile's `viewport` (may extend past it)."""
        if image_size.isEmpty() or viewport.isEmpty():
            return QRectF()
        fit = min(viewport.width() / image_size.width(), viewport.height() / image_size.height())
        width = image_size.width() * fit * self.zoom
        height = image_size.height() * fit * self.zoom
        left = viewport.center().x() - self.center.x() * width
        top = viewport.center().y() - self.center.y() * height
        return QRectF(left, top, width, height)

    def to_normalized(self, viewport: QRectF, image_size: QSizeF, point: QPointF) -> QPointF:
        """The normalized image point under a tile's widget point."""
        rect = self.image_rect(viewport, image_size)
        if rect.isEmpty():
            return QPointF(0.5, 0.5)
        return QPointF(
            (point.x() - rect.left()) / rect.width(), (point.y() - rect.top()) / rect.height()
        )
