"""One tile of the variants view: an image drawn through the shared transform, its facts,
and its actions.

A tile holds several images of the same variant by kind ("raw", "composite") and shows
one of them, compared with the original of that kind. The original is a tile too, built
like the others (its action buttons hidden but keeping their room) so that every tile of
a row gives its image the same area, and the pictures of a comparison line up.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from maskpaint.gui.variant_transform import SharedTransform

RAW = "raw"
FINAL_RANK = 1 << 30  # a final image outranks any partial, whatever order decodes finish in
WHEEL_STEP = 1.0015  # zoom factor per eighth of a degree: one notch (120) is about x1.2
_BACKGROUND = QColor(48, 48, 48)
#: What the original tile calls its images: the one sent (a crop, on a crop run), and
#: the full photo that composites are compared with.
_ORIGINAL_LABELS = {RAW: "crop sent"}
_FULL_PHOTO_LABEL = "full photo"


def _keep_room_when_hidden(widget: QWidget) -> None:
    """A hidden `widget` still takes its space: every tile keeps the same rows."""
    policy = widget.sizePolicy()
    policy.setRetainSizeWhenHidden(True)
    widget.setSizePolicy(policy)


class TileCanvas(QWidget):
    """Paints the tile's image (or the original, or a split of both) through the transform."""

    clicked = Signal()

    def __init__(self, transform: SharedTransform, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.transform = transform
        self.image: QImage | None = None
        self.original: QImage | None = None
        self.placeholder = "receiving…"
        self.badge = ""
        self.show_original = False
        self.split: float | None = None  # 0..1: original left of it, variant right
        self.filling = False  # focused: take all the space, no height-for-width
        self._press: QPointF | None = None
        self._last: QPointF | None = None
        self._dragging = False
        transform.changed.connect(self.update)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumSize(120, 80)
        self.setMouseTracking(False)

    # -- what is drawn -----------------------------------------------------------------

    def drawn_image(self) -> QImage | None:
        """The image that covers the tile right now (the original while comparing)."""
        if self.show_original and self.original is not None:
            return self.original
        return self.image

    def _aspect(self) -> float:
        image = self.image or self.original
        if image is None or image.isNull() or image.width() == 0:
            return 2 / 3
        return image.height() / image.width()

    def hasHeightForWidth(self) -> bool:
        return not self.filling

    def heightForWidth(self, width: int) -> int:
        return max(80, round(width * self._aspect()))

    def sizeHint(self) -> QSize:
        return QSize(300, self.heightForWidth(300))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), _BACKGROUND)
        shown = self.drawn_image()
        if shown is None or shown.isNull():
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.transform.zoom < 4)
        viewport = QRectF(self.rect())
        if self.split is not None and self.original is not None and not self.show_original:
            self._paint_split(painter, viewport, shown)
        else:
            self._paint(painter, viewport, shown)
        if self.badge:
            painter.setPen(QColor(255, 220, 120))
            painter.drawText(
                self.rect().adjusted(6, 4, -6, -4),
                Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft,
                self.badge,
            )

    def _paint(self, painter: QPainter, viewport: QRectF, image: QImage) -> None:
        # The painter's own (bilinear) scaling: under a millisecond per tile, where
        # QImage.scaled's area averaging of a 1536x1024 result stalls the GUI for 5-20 ms.
        painter.drawImage(self.transform.image_rect(viewport, QSizeF(image.size())), image)

    def _paint_split(self, painter: QPainter, viewport: QRectF, image: QImage) -> None:
        assert self.original is not None and self.split is not None
        x = viewport.left() + self.split * viewport.width()
        painter.save()
        painter.setClipRect(
            QRectF(viewport.left(), viewport.top(), x - viewport.left(), viewport.height())
        )
        self._paint(painter, viewport, self.original)
        painter.setClipRect(QRectF(x, viewport.top(), viewport.right() - x, viewport.height()))
        self._paint(painter, viewport, image)
        painter.restore()
        painter.setPen(QPen(QColor(255, 255, 255), 2))
        painter.drawLine(QPointF(x, viewport.top()), QPointF(x, viewport.bottom()))

    # -- zoom, pan and click -----------------------------------------------------------

    def _image_size(self) -> QSizeF:
        image = self.drawn_image()
        return QSizeF(image.size()) if image is not None else QSizeF()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self._image_size().isEmpty():
            return
        factor = WHEEL_STEP ** event.angleDelta().y()
        anchor = self.transform.to_normalized(
            QRectF(self.rect()), self._image_size(), event.position()
        )
        self.transform.zoom_at(factor, anchor)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = self._last = event.position()
            self._dragging = False
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or self._last is None:
            return
        moved = (event.position() - self._press).manhattanLength()
        if not self._dragging and moved < QApplication.startDragDistance():
            return
        self._dragging = True
        rect = self.transform.image_rect(QRectF(self.rect()), self._image_size())
        if not rect.isEmpty():
            step = event.position() - self._last
            self.transform.pan_by(QPointF(step.x() / rect.width(), step.y() / rect.height()))
        self._last = event.position()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and not self._dragging:
            self.clicked.emit()
        self._press = self._last = None
        self._dragging = False


class VariantTile(QFrame):
    """A canvas, a caption (revised prompt, size) and, for a variant, its action buttons."""

    clicked = Signal()
    kind_shown = Signal(str)  # switched to another of its images (the page's original follows)
    save_requested = Signal()
    copy_requested = Signal()
    base_requested = Signal()
    regenerate_requested = Signal()

    def __init__(
        self, index: int | None, transform: SharedTransform, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.index = index  # None for the original
        self.images: dict[str, QImage] = {}
        self.data: dict[str, bytes] = {}
        # The original each kind is compared with; None while it is being decoded.
        self.originals: dict[str, QImage | None] = {}
        self.kind = RAW
        self._ranks: dict[str, int] = {}
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.canvas = TileCanvas(transform, self)
        self.canvas.clicked.connect(self.clicked)
        self.title = QLabel("Original" if index is None else f"Variant {index + 1}", self)
        self.caption = QLabel(self)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.facts = QLabel(self)
        self.kinds = QComboBox(self)
        self.kinds.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        _keep_room_when_hidden(self.kinds)
        self.kinds.hide()
        self.kinds.currentIndexChanged.connect(lambda i: self.show_kind(self.kinds.itemData(i)))
        self._revised = ""
        self.arrival: float | None = None  # seconds from the run's start to the final bytes
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.kinds)
        layout.addLayout(top)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.caption)
        layout.addWidget(self.facts)
        self.buttons: dict[str, QToolButton] = {}
        layout.addLayout(self._action_row())
        self._set_actions_enabled(False)
        if index is None:  # the original has no actions, but keeps their row
            for button in self.buttons.values():
                _keep_room_when_hidden(button)
                button.hide()

    def _action_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        for name, text, tip, signal in (
            ("save", "Save…", "Save as PNG, JPEG or WebP", self.save_requested),
            ("copy", "Copy", "Copy the image to the clipboard", self.copy_requested),
            ("base", "Use", "Use as new base: edit this variant next", self.base_requested),
            ("regenerate", "Again", "Regenerate with the same settings", self.regenerate_requested),
        ):
            button = QToolButton(self)
            button.setText(text)
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(signal)
            row.addWidget(button)
            self.buttons[name] = button
        row.addStretch(1)
        return row

    def _set_actions_enabled(self, has_image: bool) -> None:
        for name, button in self.buttons.items():
            button.setEnabled(has_image or name == "regenerate")

    # -- images ------------------------------------------------------------------------

    def offer_image(self, kind: str, image: QImage, data: bytes, rank: int) -> bool:
        """Show `image` unless a later one of this kind is already shown; True if taken.

        Decodes finish in any order: a partial decoded after the final must not win.
        """
        if rank < self._ranks.get(kind, -1):
            return False
        self._ranks[kind] = rank
        self.images[kind] = image
        self.data[kind] = data
        if self.kind not in self.images:  # the first image to arrive is shown, whatever kind
            self.kind = kind
        if self.kinds.findData(kind) < 0:
            self.kinds.blockSignals(True)  # adding an item may select it: the tile says which
            self.kinds.addItem(self._label(kind), kind)
            self.kinds.setCurrentIndex(self.kinds.findData(self.kind))
            self.kinds.blockSignals(False)
            self.kinds.setVisible(self.kinds.count() > 1)
        if kind == self.kind:
            self._refresh(partial=rank < FINAL_RANK)
        return True

    def is_final(self, kind: str = RAW) -> bool:
        return self._ranks.get(kind, -1) >= FINAL_RANK

    def _label(self, kind: str) -> str:
        if self.index is not None:
            return kind
        return _ORIGINAL_LABELS.get(kind, _FULL_PHOTO_LABEL)

    def show_kind(self, kind: str) -> None:
        """Switch between the images of this variant (raw, composite...)."""
        if kind not in self.images:
            return
        self.kind = kind
        self.kinds.blockSignals(True)
        self.kinds.setCurrentIndex(self.kinds.findData(kind))
        self.kinds.blockSignals(False)
        self._refresh(partial=not self.is_final(kind))
        self.kind_shown.emit(kind)

    def current_image(self) -> QImage | None:
        return self.images.get(self.kind)

    def current_data(self) -> bytes | None:
        return self.data.get(self.kind)

    def _refresh(self, *, partial: bool) -> None:
        image = self.images[self.kind]
        self.canvas.image = image
        self.canvas.original = self.original_for(self.kind)
        self.canvas.badge = "preview…" if partial else ""
        self._set_actions_enabled(not partial)
        self._show_facts(image)
        self.canvas.updateGeometry()
        self.canvas.update()

    def set_original(self, image: QImage | None, kind: str = RAW) -> None:
        """The original that images of `kind` are compared with (None: on its way); the
        original tile offers it as its own image of that kind."""
        self.originals[kind] = image
        if self.index is None and image is not None:
            self.offer_image(kind, image, b"", FINAL_RANK)
        self.canvas.original = self.original_for(self.kind)
        self.canvas.update()

    def original_for(self, kind: str) -> QImage | None:
        """Like for like: a crop run's composites are of the full photo, its raw variants
        of the crop sent; a kind without an original of its own compares with the sent one."""
        if kind in self.originals:
            return self.originals[kind]
        return self.originals.get(RAW)

    def set_placeholder(self, text: str) -> None:
        self.canvas.placeholder = text
        self.canvas.update()

    def set_revised_prompt(self, text: str | None) -> None:
        self._revised = text or ""
        self.caption.setToolTip(self._revised)
        self._elide_caption()

    def _elide_caption(self) -> None:
        metrics = self.caption.fontMetrics()
        width = max(40, self.caption.width())
        self.caption.setText(metrics.elidedText(self._revised, Qt.TextElideMode.ElideRight, width))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide_caption()

    def set_arrival(self, seconds: float) -> None:
        self.arrival = seconds
        image = self.current_image()
        if image is not None:
            self._show_facts(image)

    def _show_facts(self, image: QImage) -> None:
        facts = f"{image.width()}×{image.height()}"
        if self.arrival is not None:
            facts += f" · arrived after {self.arrival:.1f} s"
        self.facts.setText(facts)
