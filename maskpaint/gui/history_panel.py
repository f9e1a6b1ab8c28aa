"""The History panel: every run, newest first, searchable, to reopen, restore or delete.

The panel only lists and asks; reopening a run in the variants view (`open_run`) and
restoring its prompt, settings and mask to the canvas (`restore_run`) are the
controller's work, done on the run id this panel emits.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from maskpaint.core.errors import MaskpaintError
from maskpaint.core.history import History
from maskpaint.gui.history_model import THUMB_SIZE, HistoryModel, RunIdRole

SEARCH_DELAY_MS = 250  # typing "lighthouse" runs one search, not ten


class HistoryPanel(QWidget):
    """A search box over a lazily loaded list of runs, with Open / Restore / Delete."""

    open_run = Signal(str)
    restore_run = Signal(str)
    deleted = Signal(str)

    def __init__(self, history: History | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history if history is not None else History()
        self.model = HistoryModel(self.history, parent=self)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search prompts…")
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self._apply_search)
        self.search.textChanged.connect(self._debounce.start)
        self.list = self._make_list()
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        layout.addLayout(self._buttons())
        self.model.reload()
        self._update_buttons()

    def _make_list(self) -> QListView:
        view = QListView(self)
        view.setModel(self.model)
        view.setUniformItemSizes(True)  # 10,000 rows lay out without measuring each one
        view.setIconSize(THUMB_SIZE)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.activated.connect(self._activated)  # double-click, Enter
        view.customContextMenuRequested.connect(self._context_menu)
        view.selectionModel().currentChanged.connect(self._update_buttons)
        return view

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.open_button = QPushButton("Open", self)
        self.open_button.setToolTip("Show this run's variants (double-click or Enter)")
        self.open_button.clicked.connect(lambda: self._emit_for_current(self.open_run))
        self.restore_button = QPushButton("Restore", self)
        self.restore_button.setToolTip("Put this run's prompt, settings and mask on the canvas")
        self.restore_button.clicked.connect(lambda: self._emit_for_current(self.restore_run))
        self.delete_button = QPushButton("Delete…", self)
        self.delete_button.clicked.connect(self.delete_current)
        for button in (self.open_button, self.restore_button, self.delete_button):
            row.addWidget(button)
        return row

    # -- public ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the list (a run started or finished); the search and selection stay."""
        selected = self.current_run_id()
        self.model.reload()
        if selected is not None:
            self.select(selected)

    def current_run_id(self) -> str | None:
        index = self.list.currentIndex()
        return index.data(RunIdRole) if index.isValid() else None

    def select(self, run_id: str) -> bool:
        """Select a run if it is among the rows loaded so far."""
        for row in range(self.model.rowCount()):
            if self.model.summary(row).run_id == run_id:
                self.list.setCurrentIndex(self.model.index(row))
                return True
        return False

    def delete_current(self) -> None:
        """Delete the selected run's folder after the designer confirms."""
        run_id = self.current_run_id()
        if run_id is None:
            return
        summary = self.model.summary(self.list.currentIndex().row())
        first = summary.prompt.strip().splitlines()[0] if summary.prompt.strip() else run_id
        answer = QMessageBox.question(
            self,
            "Delete run",
            f"Delete the run “{first}” and its {summary.n_variants} image(s) from the history? "
            "This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.history.delete(run_id)
        except MaskpaintError as error:
            self._show_status(error.user_message)
            return
        self.model.remove(run_id)
        self.deleted.emit(run_id)

    # -- internals ---------------------------------------------------------------------

    def _apply_search(self) -> None:
        try:
            self.model.set_query(self.search.text())
        except MaskpaintError as error:
            self._show_status(error.user_message)
        else:
            self._show_status("" if self.model.rowCount() else "No run matches this search.")
        self._update_buttons()

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_run.emit(index.data(RunIdRole))

    def _emit_for_current(self, signal: Signal) -> None:
        run_id = self.current_run_id()
        if run_id is not None:
            signal.emit(run_id)  # type: ignore[attr-defined]

    def _context_menu(self, pos: QPoint) -> None:
        index = self.list.indexAt(pos)
        if not index.isValid():
            return
        self.list.setCurrentIndex(index)
        menu = QMenu(self)
        menu.addAction("Open", lambda: self._emit_for_current(self.open_run))
        menu.addAction("Restore to canvas", lambda: self._emit_for_current(self.restore_run))
        menu.addSeparator()
        menu.addAction("Delete…", self.delete_current)
        menu.popup(self.list.viewport().mapToGlobal(pos))

    def _update_buttons(self) -> None:
        has_run = self.current_run_id() is not None
        for button in (self.open_button, self.restore_button, self.delete_button):
            button.setEnabled(has_run)

    def _show_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))
