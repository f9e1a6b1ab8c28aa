"""The History panel's list model: runs newest first, a page at a time, thumbnails lazily.

Ten thousand runs must not cost ten thousand rows up front: the view asks for more
(`canFetchMore` / `fetchMore`) as it scrolls, 200 at a time from the SQLite index, and
a thumbnail is read off the GUI thread only when its row is first drawn.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QImage, QPixmap

from maskpaint.core.history import History, RunSummary
from maskpaint.gui.worker import run_in_background

log = logging.getLogger(__name__)

PAGE_SIZE = 200
THUMB_SIZE = QSize(64, 64)
RunIdRole = Qt.ItemDataRole.UserRole + 1
SummaryRole = Qt.ItemDataRole.UserRole + 2
_STATUS_TEXT = {
    "done": "done",
    "running": "running…",
    "error": "error",
    "cancelled": "cancelled",
    "interrupted": "interrupted",
}
_Index = QModelIndex | QPersistentModelIndex


def load_thumbnail(path: str) -> QImage:
    """A thumbnail scaled for the list; runs on a worker thread."""
    image = QImage(path)
    if image.isNull():
        raise ValueError(f"unreadable thumbnail {path}")
    return image.scaled(
        THUMB_SIZE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class ThumbnailCache(QObject):
    """Pixmaps by run id, loaded once off the GUI thread and kept (least recently used out)."""

    loaded = Signal(str)  # run_id

    def __init__(self, capacity: int = 1000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.capacity = capacity
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._pending: set[str] = set()
        self.placeholder = QPixmap(THUMB_SIZE)
        self.placeholder.fill(QColor(90, 90, 90))

    def get(self, summary: RunSummary) -> QPixmap:
        """The run's thumbnail if loaded, else the placeholder (and start loading it)."""
        pixmap = self._pixmaps.get(summary.run_id)
        if pixmap is not None:
            self._pixmaps.move_to_end(summary.run_id)
            return pixmap
        if summary.thumbnail is not None and summary.run_id not in self._pending:
            self._load(summary.run_id, str(summary.thumbnail))
        return self.placeholder

    def busy(self) -> bool:
        return bool(self._pending)

    def forget(self, run_id: str) -> None:
        self._pixmaps.pop(run_id, None)

    def _load(self, run_id: str, path: str) -> None:
        self._pending.add(run_id)
        run_in_background(
            lambda context: load_thumbnail(path),
            name="thumbnail",
            on_success=lambda image: self._store(run_id, image),
            on_failure=lambda error: log.info("no thumbnail for %s: %s", run_id, error),
            on_finished=lambda: self._pending.discard(run_id),
        )

    def _store(self, run_id: str, image: QImage) -> None:
        self._pixmaps[run_id] = QPixmap.fromImage(image)  # pixmaps belong to the GUI thread
        while len(self._pixmaps) > self.capacity:
            self._pixmaps.popitem(last=False)
        self.loaded.emit(run_id)


class HistoryModel(QAbstractListModel):
    """Runs from `History.runs`, newest first, optionally filtered by a prompt search."""

    def __init__(
        self, history: History, page_size: int = PAGE_SIZE, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.history = history
        self.page_size = page_size
        self.query = ""
        self._rows: list[RunSummary] = []
        self._row_of: dict[str, int] = {}
        self._exhausted = False
        self.thumbnails = ThumbnailCache(parent=self)
        self.thumbnails.loaded.connect(self._thumbnail_loaded)

    # -- Qt's model interface ----------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        """The next page from the index (a single query, a few milliseconds)."""
        if parent.isValid() or self._exhausted:
            return
        page = self.history.runs(
            query=self.query or None, limit=self.page_size, offset=len(self._rows)
        )
        self._exhausted = len(page) < self.page_size
        if page:
            self._append(page)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        summary = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return describe(summary)
        if role == Qt.ItemDataRole.ToolTipRole:
            return summary.prompt + (f"\n\n{summary.error}" if summary.error else "")
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnails.get(summary)
        if role == RunIdRole:
            return summary.run_id
        if role == SummaryRole:
            return summary
        return None

    # -- what the panel asks -----------------------------------------------------------

    def set_query(self, query: str) -> None:
        """Filter by prompt words (FTS) and start again from the first page."""
        self.query = query.strip()
        self.reload()

    def reload(self) -> None:
        """Start again from the newest run (a run started, finished or was deleted)."""
        self.beginResetModel()
        self._rows, self._row_of, self._exhausted = [], {}, False
        self.endResetModel()
        self.fetchMore()

    def summary(self, row: int) -> RunSummary:
        return self._rows[row]

    def remove(self, run_id: str) -> None:
        row = self._row_of.get(run_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self._row_of = {summary.run_id: i for i, summary in enumerate(self._rows)}
        self.endRemoveRows()
        self.thumbnails.forget(run_id)

    def _append(self, page: list[RunSummary]) -> None:
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        for offset, summary in enumerate(page):
            self._row_of[summary.run_id] = first + offset
        self._rows.extend(page)
        self.endInsertRows()

    def _thumbnail_loaded(self, run_id: str) -> None:
        row = self._row_of.get(run_id)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


def describe(summary: RunSummary) -> str:
    """Two lines: the prompt's first line, then model · local date · status."""
    first = summary.prompt.strip().splitlines()[0] if summary.prompt.strip() else "(no prompt)"
    when = summary.created.astimezone().strftime("%Y-%m-%d %H:%M")
    facts = [summary.model, when, _STATUS_TEXT.get(summary.status, summary.status)]
    if summary.n_variants:
        facts.append(f"{summary.n_variants} image{'s' if summary.n_variants > 1 else ''}")
    return f"{first}\n{' · '.join(facts)}"
