"""Mask edits as QUndoCommands: each holds one MaskEdit, i.e. only the region it changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from maskpaint.core.mask import MaskEdit

if TYPE_CHECKING:
    from maskpaint.gui.document import Document


class MaskEditCommand(QUndoCommand):
    """One undo step (a stroke, shape, clear, invert, import...).

    The edit is already applied when the command is pushed, so the first redo() that
    QUndoStack.push() calls does nothing.
    """

    def __init__(self, document: Document, edit: MaskEdit, text: str) -> None:
        super().__init__(text)
        self._document = document
        self.edit = edit
        self._applied = True

    def redo(self) -> None:
        if self._applied:
            return
        self._applied = True
        self._document.notify_mask_changed(self.edit.redo(self._document.mask))

    def undo(self) -> None:
        self._applied = False
        self._document.notify_mask_changed(self.edit.undo(self._document.mask))
