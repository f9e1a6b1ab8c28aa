"""The mask as a coloured overlay image, kept in sync box by box.

The overlay is a premultiplied ARGB32 QImage sharing memory with a numpy array; a dirty
box is recoloured with one lookup-table slice, so no per-move work touches the whole mask.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtGui import QColor, QImage, QPainter

from maskpaint.core.mask import Box, Mask
from maskpaint.gui.qimage import STRIP_PIXELS, NumpyQImage, coverage_lut, mask_only_lut
from maskpaint.gui.settings import app_settings, read_float

DEFAULT_COLOR = QColor(255, 40, 40)
DEFAULT_OPACITY = 0.5


class MaskOverlay(QObject):
    """Overlay colour, opacity and visibility, and the overlay image itself."""

    #: The look changed (colour, opacity, mode): the whole view needs repainting.
    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        settings = app_settings()
        color = QColor(str(settings.value("overlay/color", DEFAULT_COLOR.name())))
        self.color = color if color.isValid() else QColor(DEFAULT_COLOR)
        self.opacity = min(1.0, max(0.0, read_float(settings, "overlay/opacity", DEFAULT_OPACITY)))
        self.visible = True
        self.mask_only = False
        self._buffer = NumpyQImage(1, 1)
        self._lut = coverage_lut(self.color, self.opacity)
        self._mask: Mask | None = None

    @property
    def image(self) -> QImage:
        """The overlay as drawn (tests compare it with the exported mask)."""
        return self._buffer.image

    def reset(self, mask: Mask) -> None:
        """A new mask (new photo): reallocate and colour it all, once."""
        self._mask = mask
        self._buffer = NumpyQImage(mask.width, mask.height)
        self._colour(mask.coverage, self._buffer.array)

    def refresh(self, mask: Mask, box: Box) -> None:
        """Recolour just `box` after the mask changed there."""
        if mask is not self._mask:
            self.reset(mask)
            return
        rows = slice(max(0, box.top), min(mask.height, box.bottom))
        cols = slice(max(0, box.left), min(mask.width, box.right))
        self._colour(mask.coverage[rows, cols], self._buffer.array[rows, cols])

    def draw(self, painter: QPainter, target: QRectF, source: QRectF) -> None:
        painter.drawImage(target, self._buffer.image, source)

    def set_color(self, color: QColor) -> None:
        if color.isValid():
            self.color = QColor(color)
            app_settings().setValue("overlay/color", self.color.name())
            self._restyle()

    def set_opacity(self, opacity: float) -> None:
        self.opacity = min(1.0, max(0.0, opacity))
        app_settings().setValue("overlay/opacity", self.opacity)
        self._restyle()

    def set_visible(self, visible: bool) -> None:
        self.visible = visible
        self.changed.emit()

    def set_mask_only(self, mask_only: bool) -> None:
        self.mask_only = mask_only
        self._restyle()

    def _restyle(self) -> None:
        self._lut = mask_only_lut() if self.mask_only else coverage_lut(self.color, self.opacity)
        if self._mask is not None:
            self._colour(self._mask.coverage, self._buffer.array)
        self.changed.emit()

    def _colour(self, coverage: np.ndarray, out: np.ndarray) -> None:
        # In strips: indexing a LUT makes an index temporary (8 bytes a pixel), which for
        # a whole 8K mask would be 265 MB; a brush-sized box is a single strip.
        height, width = coverage.shape
        rows = max(1, STRIP_PIXELS // max(1, width))
        for top in range(0, height, rows):
            out[top : top + rows] = self._lut[coverage[top : top + rows]]
