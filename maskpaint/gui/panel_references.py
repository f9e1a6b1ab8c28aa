"""Extra images for `image[]`: add (file dialog or drop), remove, thumbnails.

Files are read and thumbnailed on the worker, so a 40 MB reference never freezes the
window; the bytes are kept, ready for preflight and for the request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QIcon, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from maskpaint.core.errors import MaskpaintError
from maskpaint.core.request import ImageFile
from maskpaint.gui.panel_controls import colour
from maskpaint.gui.panel_options import load_reference
from maskpaint.gui.worker import run_in_background

log = logging.getLogger(__name__)
THUMB = 72
PATH_ROLE = Qt.ItemDataRole.UserRole
FILE_ROLE = Qt.ItemDataRole.UserRole + 1
FILE_FILTER = "Images (*.png *.jpg *.jpeg *.webp);;All files (*)"
MASK_NOTE = "The mask applies to the photo on the canvas (the first image); these go after it."


@dataclass(frozen=True)
class _Loaded:
    path: str
    file: ImageFile | None
    thumb: QImage | None
    error: str | None  # the user_message when the file could not be read


def _load(path: str) -> _Loaded:
    """Read the file and decode a thumbnail at the reader's scaled size (cheap for JPEG)."""
    try:
        file = load_reference(path)
    except MaskpaintError as error:
        return _Loaded(path, None, None, error.user_message)
    buffer = QBuffer()
    buffer.setData(QByteArray(file.data))
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid():
        reader.setScaledSize(size.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio))
    return _Loaded(path, file, reader.read(), None)


class ReferenceList(QWidget):
    """The reference images after the canvas photo; `changed` when one is added, loaded
    or removed."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._limit = 15
        self._pending = 0
        self.setAcceptDrops(True)
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.setAcceptDrops(False)  # drops land on this widget, files only
        self.list.setMaximumHeight(THUMB + 48)
        self.add_button = QPushButton("Add…")
        self.remove_button = QPushButton("Remove")
        self.add_button.clicked.connect(self._choose_files)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.count_label = QLabel()
        note = QLabel(MASK_NOTE, wordWrap=True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(note)
        self._update_buttons()

    # -- public ---------------------------------------------------------------------

    def paths(self) -> tuple[str, ...]:
        return tuple(str(self.list.item(i).data(PATH_ROLE)) for i in range(self.list.count()))

    def files(self) -> tuple[ImageFile, ...]:
        """The references read so far, in list order (one still loading is left out)."""
        items = (self.list.item(i) for i in range(self.list.count()))
        return tuple(f for f in (item.data(FILE_ROLE) for item in items) if f is not None)

    @property
    def loading(self) -> int:
        """How many files are still being read."""
        return self._pending

    def set_limit(self, limit: int, why: str) -> None:
        """At most `limit` references for the current model; `why` explains a limit of 0."""
        self._limit = max(limit, 0)
        self.add_button.setToolTip("" if self._limit else why)
        self._update_buttons()

    def set_paths(self, paths: tuple[str, ...] | list[str]) -> None:
        """Replace the list (history restore); files that no longer exist are skipped."""
        self.list.clear()
        self.add_paths([p for p in paths if Path(p).is_file()], respect_limit=False)
        self.changed.emit()

    def add_paths(self, paths: list[str], *, respect_limit: bool = True) -> None:
        known = set(self.paths())
        for path in paths:
            full = str(Path(path).resolve())
            if full in known or (respect_limit and self.list.count() >= self._limit):
                continue
            known.add(full)
            self._add_item(full)
        self._update_buttons()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self._update_buttons()
        self.changed.emit()

    # -- internals ------------------------------------------------------------------

    def _add_item(self, path: str) -> None:
        item = QListWidgetItem(Path(path).name)
        item.setData(PATH_ROLE, path)
        item.setToolTip(path)
        self.list.addItem(item)
        self._pending += 1
        # Bound methods, not lambdas: Qt drops the connections if this widget goes first.
        run_in_background(
            lambda _context: _load(path),
            name="reference thumbnail",
            on_success=self._loaded,
            on_failure=self._crashed,
            on_finished=self._load_finished,
        )

    def _item(self, path: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            if self.list.item(i).data(PATH_ROLE) == path:
                return self.list.item(i)
        return None  # removed while it loaded

    def _loaded(self, loaded: _Loaded) -> None:
        item = self._item(loaded.path)
        if item is None:
            return
        if loaded.error is not None:
            item.setToolTip(loaded.error)
            item.setForeground(colour("problem"))
            item.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
            return
        item.setData(FILE_ROLE, loaded.file)
        if loaded.thumb is not None and not loaded.thumb.isNull():
            item.setIcon(QIcon(QPixmap.fromImage(loaded.thumb)))

    def _crashed(self, error: BaseException) -> None:
        log.error("reading a reference image failed", exc_info=error)

    def _load_finished(self) -> None:
        self._pending -= 1
        self.changed.emit()

    def _update_buttons(self) -> None:
        count = self.list.count()
        self.add_button.setEnabled(count < self._limit)
        self.remove_button.setEnabled(bool(self.list.selectedItems()))
        self.count_label.setText(f"{count} / {self._limit}")
        palette = self.count_label.palette()
        palette.setColor(self.count_label.foregroundRole(), colour("problem"))
        self.count_label.setPalette(palette if count > self._limit else self.palette())

    def _choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add reference images", "", FILE_FILTER)
        self.add_paths(paths)
        self.changed.emit()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and self.add_button.isEnabled():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        self.add_paths(paths)
        event.acceptProposedAction()
        self.changed.emit()
