"""One run in the variants view: the original and its variants in a grid that reflows
with the width, or one of them focused large with a before/after split slider."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from maskpaint.gui.variant_info import ResultInfo, RunInfo
from maskpaint.gui.variant_tile import RAW, VariantTile
from maskpaint.gui.variant_transform import SharedTransform

TILE_MIN_WIDTH = 260  # below this a tile's details are too small to judge


def columns_for(width: int, tiles: int, tile_width: int = TILE_MIN_WIDTH) -> int:
    """How many tiles of `tile_width` fit side by side in `width` pixels (1 to all)."""
    return max(1, min(tiles, width // tile_width))


class RunPage(QWidget):
    """The tiles of one run. Tile 0 in the grid is the original; variants follow by index."""

    tile_clicked = Signal(object)  # the tile's index (None for the original)

    def __init__(
        self, run_key: str, info: RunInfo, n: int, transform: SharedTransform, parent=None
    ) -> None:
        super().__init__(parent)
        self.run_key = run_key
        self.info = info
        self.result = ResultInfo()
        self.transform = transform
        self.focused: VariantTile | None = None
        self.finished = False
        self.clock = QElapsedTimer()  # when each variant arrived, counted from the start
        self.clock.start()
        self.columns = 0
        self.header = QLabel(self)
        self.header.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020;")
        self.message.hide()
        self.original = VariantTile(None, transform, self)
        self.original.clicked.connect(lambda: self.tile_clicked.emit(None))
        # The originals by the kind of image they are compared with (see set_original_image),
        # and the kind the variants last switched to: the original tile shows its own of it.
        self.originals: dict[str, QImage | None] = {}
        self._followed = RAW
        self.variants: dict[int, VariantTile] = {}
        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        self._scroll = QScrollArea(self)
        self._scroll.setWidgetResizable(True)
        self._scroll.setWidget(self._grid_host)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.viewport().installEventFilter(self)
        self._focus_host = QWidget()
        self._focus_layout = QVBoxLayout(self._focus_host)
        self._focus_layout.setContentsMargins(0, 0, 0, 0)
        self._stack = QStackedWidget(self)
        self._stack.addWidget(self._scroll)
        self._stack.addWidget(self._focus_host)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.message)
        layout.addWidget(self._stack, 1)
        layout.addLayout(self._focus_bar())
        for index in range(n):
            self.ensure_tile(index)
        self._update_header()

    def _focus_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.back_button = QPushButton("Back to grid (Esc)", self)
        self.back_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.back_button.clicked.connect(self.unfocus)
        self.split_box = QCheckBox("Split before/after", self)
        self.split_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.split_box.toggled.connect(self._apply_split)
        self.split_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.split_slider.setRange(0, 1000)
        self.split_slider.setValue(500)
        self.split_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.split_slider.valueChanged.connect(self._apply_split)
        for widget in (self.back_button, self.split_box, self.split_slider):
            bar.addWidget(widget)
            widget.hide()
        return bar

    # -- tiles -------------------------------------------------------------------------

    def ensure_tile(self, index: int) -> VariantTile:
        """The tile of variant `index`, made (and laid out) on first use."""
        tile = self.variants.get(index)
        if tile is None:
            tile = VariantTile(index, self.transform)
            tile.clicked.connect(lambda i=index: self.tile_clicked.emit(i))
            tile.kind_shown.connect(self._follow_kind)
            for kind, original in self.originals.items():
                tile.set_original(original, kind)
            tile.set_revised_prompt(self.result.revised_prompt(index))
            self.variants[index] = tile
            self.columns = 0  # force a relayout
            self._reflow()
        return tile

    def tiles(self) -> list[VariantTile]:
        """Grid order: the original, then the variants by index."""
        return [self.original, *(self.variants[i] for i in sorted(self.variants))]

    def tile(self, index: int | None) -> VariantTile | None:
        return self.original if index is None else self.variants.get(index)

    def set_original_image(self, image: QImage | None, kind: str = RAW) -> None:
        """The original that images of `kind` compare with: RAW is the image sent; a crop
        run adds the full photo for its composites. None: it is being decoded."""
        self.originals[kind] = image
        for tile in self.tiles():
            tile.set_original(image, kind)
        self.original.show_kind(self._followed)

    def _follow_kind(self, kind: str) -> None:
        """A variant switched to `kind`: the original tile shows the original of that kind."""
        self._followed = kind
        self.original.show_kind(kind)

    def set_result(self, result: ResultInfo) -> None:
        self.result = result
        for index, tile in self.variants.items():
            tile.set_revised_prompt(result.revised_prompt(index))
        self._update_header()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def mark_missing(self, text: str) -> None:
        """Tiles still without an image say why (an error, a cancel) instead of "receiving…"."""
        for tile in self.variants.values():
            if tile.current_image() is None:
                tile.set_placeholder(text)

    def _update_header(self) -> None:
        parts = [self.info.title()]
        if self.info.estimate and not self.result.describe():
            parts.append(f"estimate {self.info.estimate}")
        if self.result.describe():
            parts.append(self.result.describe())
        self.header.setText("  —  ".join(parts))
        self.header.setToolTip(self.info.prompt)

    # -- layout: grid or focus ---------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The scroll area's viewport, not the page, knows the width tiles can use.
        if event.type() == QEvent.Type.Resize:
            self._reflow()
        return False

    def _reflow(self) -> None:
        tiles = [t for t in self.tiles() if t is not self.focused]
        width = self._scroll.viewport().width()
        columns = columns_for(width, len(tiles), self.tile_width())
        if columns == self.columns:
            return
        self.columns = columns
        for tile in tiles:
            self._grid.removeWidget(tile)
        for position, tile in enumerate(tiles):
            self._grid.addWidget(tile, position // columns, position % columns)
            tile.show()
        for column in range(self._grid.columnCount()):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)

    def tile_width(self) -> int:
        """The narrowest a tile may get, plus the grid's spacing."""
        narrowest = max(tile.minimumSizeHint().width() for tile in self.tiles())
        return max(TILE_MIN_WIDTH, narrowest) + self._grid.horizontalSpacing()

    def focus(self, index: int | None) -> bool:
        """Show one tile large; False if there is no such tile."""
        tile = self.tile(index)
        if tile is None:
            return False
        if self.focused is not None:
            self.unfocus()
        self._grid.removeWidget(tile)
        self._focus_layout.addWidget(tile)
        tile.canvas.filling = True
        tile.canvas.updateGeometry()
        self.focused = tile
        self._stack.setCurrentWidget(self._focus_host)
        for widget in (self.back_button, self.split_box, self.split_slider):
            widget.setVisible(widget is not self.split_slider or self.split_box.isChecked())
        self.split_box.setEnabled(index is not None)
        self._apply_split()
        return True

    def unfocus(self) -> None:
        tile = self.focused
        if tile is None:
            return
        self._focus_layout.removeWidget(tile)
        tile.canvas.filling = False
        tile.canvas.split = None
        tile.canvas.updateGeometry()
        self.focused = None
        self.columns = 0
        self._reflow()
        self._stack.setCurrentWidget(self._scroll)
        for widget in (self.back_button, self.split_box, self.split_slider):
            widget.hide()

    def _apply_split(self) -> None:
        on = self.split_box.isChecked() and self.focused is not None
        self.split_slider.setVisible(on)
        if self.focused is not None:
            self.focused.canvas.split = self.split_slider.value() / 1000 if on else None
            self.focused.canvas.update()

    def set_show_original(self, on: bool) -> None:
        for tile in self.tiles():
            tile.canvas.show_original = on
            tile.canvas.update()
