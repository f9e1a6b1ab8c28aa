"""The open document: photo, mask, file path, undo stack. Views observe its signals.

The canvas, the status bar and (later) the side panel and variants view all read from
here and never from each other, so a change made anywhere shows up everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from maskpaint.core.imageio import ImageInfo, LoadedImage
from maskpaint.core.mask import Box, Mask, MaskEdit
from maskpaint.core.photo_pixels import PhotoPixels
from maskpaint.gui.photo_swap import Lineage, PhotoState, ReplacePhotoCommand
from maskpaint.gui.undo import MaskEditCommand


class Document(QObject):
    """A photo and the mask painted on it."""

    #: A new photo (and a fresh or imported mask) replaced the previous one.
    image_changed = Signal()
    #: Part of the mask changed; the argument is the dirty `Box` in image pixels.
    mask_changed = Signal(object)
    #: The modified flag flipped (True = there are edits not exported yet).
    modified_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.image: Image.Image = Image.new("RGB", (1, 1), "white")
        self.info: ImageInfo | None = None
        self.path: Path | None = None
        self.display_name = "Untitled"
        self.mask = Mask(1, 1)
        self.lineage: Lineage | None = None  # the run/variant this photo came from
        #: The photo as numpy RGB for the selection tools, converted on first use.
        self.pixels = PhotoPixels(self.image)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    def load(self, loaded: LoadedImage, path: Path | None, name: str, mask: Mask | None) -> None:
        """Show a new photo with `mask` (or an empty one); the undo history starts over."""
        image = loaded.image
        self.image = image
        self.pixels = PhotoPixels(image)
        self.info = loaded.info
        self.path = path
        self.display_name = name
        self.mask = mask if mask is not None else Mask(image.width, image.height)
        self.lineage = None
        self.undo_stack.clear()
        self.image_changed.emit()
        self.modified_changed.emit(False)

    def notify_mask_changed(self, box: Box | None) -> None:
        """Tell the views that pixels inside `box` changed (called during strokes too)."""
        if box is not None and not box.is_empty:
            self.mask_changed.emit(box)

    def push_edit(self, edit: MaskEdit | None, text: str) -> None:
        """Record an already-applied edit as one undo step (None = nothing changed)."""
        if edit is None:
            return
        self.undo_stack.push(MaskEditCommand(self, edit, text))

    def apply(self, operation: Callable[[Mask], MaskEdit | None], text: str) -> None:
        """Run one whole-mask operation (clear, invert, shape...) as one undo step."""
        edit = operation(self.mask)
        if edit is None:
            return
        self.notify_mask_changed(edit.box)
        self.push_edit(edit, text)

    def _on_clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    def mark_saved(self) -> None:
        """The mask was written out: clear the modified mark until the next edit."""
        self.undo_stack.setClean()

    # ----- replacing the photo as an undo step (generation: Use as new base) -----------

    def replace_photo(
        self, loaded: LoadedImage, name: str, lineage: Lineage | None, text: str
    ) -> None:
        """Show `loaded` with an empty mask as one undo step (Ctrl+Z brings the old back)."""
        image = loaded.image
        state = PhotoState(image, loaded.info, Mask(image.width, image.height), None, name, lineage)
        self.undo_stack.push(ReplacePhotoCommand(self, state, text))

    def photo_state(self) -> PhotoState:
        return PhotoState(
            self.image, self.info, self.mask, self.path, self.display_name, self.lineage
        )

    def set_photo_state(self, state: PhotoState) -> None:
        self.image, self.info, self.mask = state.image, state.info, state.mask
        self.path, self.display_name, self.lineage = state.path, state.display_name, state.lineage
        self.pixels = PhotoPixels(state.image)
        self.image_changed.emit()
