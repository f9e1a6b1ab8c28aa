"""The main window: opening photos (dialog, drop, paste, recent, command line) and mask files.

Later panels (prompt, variants, history of runs) dock around the canvas and observe
`window.document`; nothing here knows about them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from maskpaint.core.errors import MaskpaintError
from maskpaint.core.imageio import LoadedImage, open_image
from maskpaint.core.mask import Mask
from maskpaint.core.mask_io import encode_api_png
from maskpaint.core.session import SUFFIX
from maskpaint.gui.actions import WindowActions
from maskpaint.gui.banner import Banner
from maskpaint.gui.canvas import Canvas
from maskpaint.gui.document import Document
from maskpaint.gui.qimage import qimage_to_png_bytes
from maskpaint.gui.select_actions import SelectionCommands
from maskpaint.gui.settings import app_settings, read_list
from maskpaint.gui.status import StatusFields
from maskpaint.gui.tools import ToolState
from maskpaint.gui.worker import Job, JobContext, run_in_background
from maskpaint.resources import sample_photo

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif);;All files (*)"
OPEN_FILTER = f"Photos and sessions (*.png *.jpg *.jpeg *.webp *{SUFFIX});;{IMAGE_FILTER}"
MASK_FILTER = "PNG mask (*.png)"
MAX_RECENT = 10


class MainWindow(QMainWindow):
    """Photo, mask canvas, tools, and the commands around them."""

    def __init__(
        self, image: Path | None = None, mask: Path | None = None, prompt: str | None = None
    ) -> None:
        super().__init__()
        self.document = Document(self)
        self.tools = ToolState(self)
        self.canvas = Canvas(self.document, self.tools)
        self.banner = Banner()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.canvas, 1)
        self.setCentralWidget(central)
        self.history_dock = QDockWidget("History", self)
        self.history_dock.setObjectName("history")
        self.history_dock.setWidget(QUndoView(self.document.undo_stack))
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.history_dock)
        self.history_dock.hide()
        self.commands = WindowActions(self)
        self.selection = SelectionCommands(self)
        self.status = StatusFields(self.statusBar(), self.document, self.canvas, self.tools)
        self.document.image_changed.connect(self._update_title)
        self.document.modified_changed.connect(self.setWindowModified)
        self.setAcceptDrops(True)
        self.resize(1100, 760)
        geometry = app_settings().value("window/geometry")
        if geometry:
            self.restoreGeometry(geometry)
        session = image if image is not None and image.suffix.lower() == SUFFIX else None
        photo = None if session is not None else image
        if not self.open_path(photo or sample_photo()) and photo is not None:
            self.open_path(sample_photo(), remember=False)
        if mask is not None:
            self.import_mask_from(mask)
        self._setup_generation(prompt)
        self._setup_sessions(session)
        self.canvas.setFocus()

    def _setup_generation(self, prompt: str | None) -> None:
        """Issue 5: prompt panel, variants, run history (all wiring in generation_ui.py)."""
        from maskpaint.gui.generation_ui import GenerationUi

        self.generation = GenerationUi(self, prompt)

    def _setup_sessions(self, session: Path | None) -> None:
        """Issue 6: session files, autosave and the restore offer (all in sessions.py)."""
        from maskpaint.gui.sessions import SessionUi

        self.sessions = SessionUi(self)
        if session is not None:
            self.sessions.open(session)

    # ----- opening photos ----------------------------------------------------------

    def open_path(self, path: Path, remember: bool = True) -> bool:
        """Open a photo (or a session); on failure the banner says why and the current stays."""
        if path.suffix.lower() == SUFFIX:
            return self.sessions.open(path, remember)
        loaded = self._load(path)
        if loaded is None:
            return False
        self._show(loaded, path, path.name)
        if remember:
            self._remember(path)
        return True

    def open_dialog(self) -> None:
        start = str(self.document.path.parent) if self.document.path else ""
        name, _ = QFileDialog.getOpenFileName(self, "Open photo", start, OPEN_FILTER)
        if name:
            self.open_path(Path(name))

    def open_recent(self, name: str) -> None:
        self.open_path(Path(name))

    def paste(self) -> None:
        """Ctrl+V: an image on the clipboard, or a copied image file."""
        mime = QApplication.clipboard().mimeData()
        files = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
        if files:
            self.open_path(files[0])
        elif mime.hasImage():
            data = qimage_to_png_bytes(QApplication.clipboard().image())
            loaded = self._load(data)
            if loaded is not None:
                self._show(loaded, None, "Pasted image")
        else:
            self.banner.show_message(
                "The clipboard holds no image: copy an image or an image file, then paste again."
            )

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if any(url.isLocalFile() for url in mime.urls()) or mime.hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        files = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
        if files:
            self.open_path(files[0])
        elif mime.hasImage():
            loaded = self._load(qimage_to_png_bytes(mime.imageData()))
            if loaded is not None:
                self._show(loaded, None, "Dropped image")
        event.acceptProposedAction()

    def recent_files(self) -> list[str]:
        return read_list(app_settings(), "recent/files")

    def _remember(self, path: Path) -> None:
        name = str(path.resolve())
        recent = [name] + [p for p in self.recent_files() if p != name]
        app_settings().setValue("recent/files", recent[:MAX_RECENT])

    def _load(self, source: Path | bytes) -> LoadedImage | None:
        try:
            return open_image(source)
        except MaskpaintError as error:
            self.banner.show_message(error.user_message)
            return None

    def _show(self, loaded: LoadedImage, path: Path | None, name: str) -> None:
        self.banner.dismiss()
        self.document.load(loaded, path, name, None)

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.display_name}[*] — maskpaint")
        self.setWindowModified(self.document.is_modified)

    # ----- mask commands -----------------------------------------------------------

    def clear_mask(self) -> None:
        self.document.apply(lambda mask: mask.clear(), "Clear mask")

    def invert_mask(self) -> None:
        self.document.apply(lambda mask: mask.invert(), "Invert mask")

    def export_mask_dialog(self) -> None:
        suggested = self._mask_file_suggestion()
        name, _ = QFileDialog.getSaveFileName(self, "Export mask", suggested, MASK_FILTER)
        if name:
            self.export_mask_to(Path(name))

    def export_mask_to(self, path: Path) -> Job[None]:
        """Write the API's alpha-zero PNG for the current photo, encoded off the GUI thread
        (about a second at 8K). The modified mark clears only if nothing changed meanwhile."""
        sent = self.document.mask.binary()  # what is sent now, whatever is painted next
        stack, step = self.document.undo_stack, self.document.undo_stack.index()

        def write(context: JobContext) -> None:
            path.write_bytes(encode_api_png(sent))  # the user's file: normal permissions

        def written(_: None) -> None:
            if stack.index() == step:
                self.document.mark_saved()

        def failed(error: BaseException) -> None:
            if isinstance(error, MaskpaintError):
                self.banner.show_message(error.user_message)
            elif isinstance(error, OSError):
                self.banner.show_message(
                    f"Could not write {path.name} ({error.strerror}): "
                    "choose another folder or name."
                )
            else:
                raise error

        return run_in_background(write, name="export mask", on_success=written, on_failure=failed)

    def import_mask_dialog(self) -> None:
        start = str(self.document.path.parent) if self.document.path else ""
        name, _ = QFileDialog.getOpenFileName(self, "Import mask", start, IMAGE_FILTER)
        if name:
            self.import_mask_from(Path(name))

    def import_mask_from(self, path: Path, resize: bool | None = None) -> bool:
        """Load a mask file as one undo step; `resize=None` asks when the sizes differ."""
        loaded = self._load(path)
        if loaded is None:
            return False
        size = (self.document.width, self.document.height)
        if loaded.image.size != size and resize is None:
            resize = self._ask_resize(loaded.image.size, size)
            if not resize:
                return False
        try:
            mask = Mask.from_image(loaded.image, size, convention="auto", resize=bool(resize))
        except MaskpaintError as error:
            self.banner.show_message(error.user_message)
            return False
        self.document.apply(lambda current: current.replace(mask.coverage), "Import mask")
        return True

    def _ask_resize(self, mask_size: tuple[int, int], image_size: tuple[int, int]) -> bool:
        answer = QMessageBox.question(
            self,
            "Resize mask?",
            f"The mask is {mask_size[0]} × {mask_size[1]} but the photo is "
            f"{image_size[0]} × {image_size[1]}. Stretch the mask to fit the photo?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _mask_file_suggestion(self) -> str:
        if self.document.path is None:
            return "mask.png"
        return str(self.document.path.with_name(f"{self.document.path.stem}-mask.png"))

    def closeEvent(self, event: QCloseEvent) -> None:
        app_settings().setValue("window/geometry", self.saveGeometry())
        self.generation.close()
        self.sessions.close()
        super().closeEvent(event)
