"""Replacing the canvas photo as one undo step (Use as new base, restoring a run's image).

Opening a file starts the undo history over; a variant taken as the new base must not:
the designer may want the previous photo and its mask back with Ctrl+Z.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image
from PySide6.QtGui import QUndoCommand

from maskpaint.core.imageio import ImageInfo
from maskpaint.core.mask import Mask

if TYPE_CHECKING:
    from maskpaint.gui.document import Document


@dataclass(frozen=True)
class Lineage:
    """Which run and variant the canvas photo came from."""

    run_id: str
    variant: int

    def as_settings(self) -> dict[str, Any]:
        """What request.json of the next run records about its parent."""
        return {"parent_run": self.run_id, "parent_variant": self.variant}


@dataclass(frozen=True)
class PhotoState:
    """Everything that changes when the photo is replaced."""

    image: Image.Image
    info: ImageInfo | None
    mask: Mask
    path: Path | None
    display_name: str
    lineage: Lineage | None


class ReplacePhotoCommand(QUndoCommand):
    """Swap the document's photo state; undo swaps the previous one (and its mask) back."""

    def __init__(self, document: Document, new: PhotoState, text: str) -> None:
        super().__init__(text)
        self._document = document
        self._old = document.photo_state()
        self._new = new

    def redo(self) -> None:
        self._document.set_photo_state(self._new)

    def undo(self) -> None:
        self._document.set_photo_state(self._old)
