"""The variants view: every run's original and variants side by side, compared and acted on.

The controller feeds it (`begin_run`, `add_partial`, `add_variant`, `finish_run`,
`fail_run`, `show_run`) and listens to its signals; the view decodes images off the
GUI thread, keeps every tile it ever received, and shares one zoom and pan across tiles.
Keys: 1-9 focus a variant, 0 or Esc back to the grid, Ctrl+0 fit, hold \\ or Space to
see the original in every tile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PIL import Image
from PySide6.QtCore import QEvent, Qt, QThreadPool, Signal
from PySide6.QtGui import QGuiApplication, QImage, QKeyEvent
from PySide6.QtWidgets import QComboBox, QLabel, QStackedWidget, QVBoxLayout, QWidget

from maskpaint.core.errors import MaskpaintError
from maskpaint.core.imageio import open_image
from maskpaint.gui.qimage import photo_to_qimage
from maskpaint.gui.variant_info import (
    ResultInfo,
    RunInfo,
    as_result_info,
    as_run_info,
    variant_index,
)
from maskpaint.gui.variant_page import RunPage
from maskpaint.gui.variant_save import ask_save_path, save_variant
from maskpaint.gui.variant_tile import FINAL_RANK, RAW, VariantTile
from maskpaint.gui.variant_transform import SharedTransform
from maskpaint.gui.worker import Job, JobContext, run_in_background

if TYPE_CHECKING:
    from maskpaint.core.history import RunRecord

log = logging.getLogger(__name__)
DECODE_THREADS = 1
MAX_PAGES = 12  # runs kept open: 12 runs of 4 results of 1536x1024 hold about 500 MB
COMPARE_KEYS = (Qt.Key.Key_Backslash, Qt.Key.Key_Space)


def decode_image(data: bytes) -> QImage:
    """Bytes -> a QImage ready to draw; runs on a worker thread.

    Every step is one that lets go of the GIL, so the GUI thread keeps running: Pillow
    (through core imageio) decodes, not `QImage.fromData`, which holds the GIL for its
    whole 40 ms on a 1536x1024 PNG; Qt, not Pillow's "BGRX" packing, converts to the
    drawing format (bench/bench_variants.py measures the stalls).
    """
    image = open_image(data).image
    wrapped = QImage(
        image.tobytes(),
        image.width,
        image.height,
        len(image.getbands()) * image.width,
        QImage.Format.Format_RGB888 if image.mode == "RGB" else QImage.Format.Format_RGBA8888,
    )
    opaque = image.mode == "RGB"
    return wrapped.convertToFormat(  # a copy: the result owns its pixels
        QImage.Format.Format_RGB32 if opaque else QImage.Format.Format_ARGB32_Premultiplied
    )


class VariantsView(QWidget):
    """Runs (newest shown, earlier ones in the selector), each a grid of tiles."""

    use_as_base = Signal(str, int)  # run_key, variant index
    regenerate = Signal(str)  # run_key
    saved = Signal(Path)
    problem = Signal(str)  # a one-sentence message for the status bar / banner

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.transform = SharedTransform(self)
        self.pages: dict[str, RunPage] = {}
        self._jobs: set[Job[Any]] = set()
        # Decodes queue on a pool of their own: four big PNGs decoded at once on a
        # two-core machine starve the GUI thread of the GIL, and leave no thread for
        # the network job that is still receiving.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(DECODE_THREADS)
        self._partial_counts: dict[tuple[str, int], int] = {}
        self.selector = QComboBox(self)
        self.selector.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.selector.currentIndexChanged.connect(self._select_index)
        self.empty = QLabel("Generate to see variants here.", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.status = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.selector)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.status)
        self.selector.hide()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # -- the controller's API ----------------------------------------------------------

    def begin_run(
        self, run_key: str, original: QImage | bytes, n: int, info: RunInfo | Any = None
    ) -> RunPage:
        """A new run: the original and `n` "receiving…" tiles, shown at once."""
        page = self.pages.get(run_key)
        if page is None:
            page = RunPage(run_key, as_run_info(info), n, self.transform)
            self._add_page(page)
        if isinstance(original, QImage):
            page.set_original_image(original)
        else:
            self._decode(original, lambda image, data: page.set_original_image(image))
        self.show_page(run_key)
        return page

    def add_partial(self, run_key: str, index: int, data: bytes) -> None:
        """A streamed preview of variant `index`; the final image replaces it."""
        count = self._partial_counts.get((run_key, index), 0) + 1
        self._partial_counts[(run_key, index)] = count
        self._offer(run_key, index, RAW, data, rank=count)

    def add_variant(
        self, run_key: str, index: int, data: bytes, fmt: str = "png", path: Path | None = None
    ) -> None:
        """The final image of variant `index` (already saved at `path` by the controller)."""
        page = self.pages.get(run_key)
        if page is not None and not page.finished:
            page.ensure_tile(index).set_arrival(page.clock.elapsed() / 1000)
        self._offer(run_key, index, RAW, data, rank=FINAL_RANK)

    def add_variant_image(
        self, run_key: str, index: int, kind: str, data: bytes | Path, *, show: bool = False
    ) -> None:
        """Another image of the same variant (e.g. kind="composite"); the tile offers a switch.
        `show`: the tile shows this kind once it is decoded (the raw one a click away)."""
        if self._tile(run_key, index) is None:
            return
        offer = self._offer_to(run_key, index, kind, FINAL_RANK)

        def done(image: QImage, raw: bytes) -> None:
            offer(image, raw)
            tile = self._tile(run_key, index)
            if show and tile is not None:
                tile.show_kind(kind)

        self._decode(data, done, lambda error: self._undecodable(run_key, index, error))

    def add_original_image(
        self, run_key: str, kind: str, source: bytes | Path | Image.Image
    ) -> None:
        """The original that `kind` images of this run compare with, when it is not the one
        sent: a crop run's composites are of the full photo, its raw variants of the crop.
        Until it is decoded, comparing those images shows no original rather than the crop."""
        page = self.pages.get(run_key)
        if page is None:
            return
        page.set_original_image(None, kind)
        self._decode(source, lambda image, data: page.set_original_image(image, kind))

    def finish_run(self, run_key: str, result_info: ResultInfo | Any = None) -> None:
        page = self.pages.get(run_key)
        if page is None:
            return
        page.finished = True
        page.set_result(as_result_info(result_info, page.info.model))
        page.mark_missing("no image")

    def fail_run(self, run_key: str, message: str) -> None:
        """The run ended in error: say so, keep every tile already received."""
        page = self.pages.get(run_key)
        if page is None:
            return
        page.finished = True
        page.show_message(message)
        page.mark_missing("not received")

    def show_run(self, record: RunRecord) -> RunPage:
        """Reopen a history run (or switch to it if it is already here)."""
        if record.run_id in self.pages:
            self.show_page(record.run_id)
            return self.pages[record.run_id]
        info = RunInfo(record.prompt, record.model, record.fields.get("size"))
        indexed = [(variant_index(path), path) for path in record.variants]
        n = max([i + 1 for i, _ in indexed if i is not None] + [int(record.fields.get("n") or 0)])
        page = RunPage(record.run_id, info, n, self.transform)
        self._add_page(page)
        page.set_result(ResultInfo.from_record(record))
        if record.inputs:
            self._decode(record.inputs[0].path, lambda image, data: page.set_original_image(image))
        for index, path in indexed:
            if index is not None:
                self._decode(path, self._offer_to(record.run_id, index, RAW, FINAL_RANK))
        page.finished = True
        if record.failure is not None:
            page.show_message(record.failure.user_message)
            page.mark_missing("not received")
        elif record.status == "interrupted":
            page.show_message("This run was interrupted before it finished; what arrived is shown.")
            page.mark_missing("not received")
        else:
            page.mark_missing("no image")
        self.show_page(record.run_id)
        return page

    # -- pages -------------------------------------------------------------------------

    def _add_page(self, page: RunPage) -> None:
        self._drop_old_pages()
        self.pages[page.run_key] = page
        self.stack.addWidget(page)
        page.tile_clicked.connect(lambda index, p=page: self._tile_clicked(p, index))
        for index in page.variants:
            self._wire_tile(page, page.variants[index])
        self.selector.blockSignals(True)
        self.selector.insertItem(0, page.info.title(), page.run_key)
        self.selector.blockSignals(False)
        self.selector.setVisible(self.selector.count() > 1)

    def _drop_old_pages(self) -> None:
        """Keep memory bounded over a long session: beyond MAX_PAGES, the oldest finished
        runs close (their files stay in the history, to reopen). Runs in flight never do."""
        finished = [key for key, page in self.pages.items() if page.finished]
        for run_key in finished[: max(0, len(self.pages) + 1 - MAX_PAGES)]:
            page = self.pages.pop(run_key)
            self.selector.removeItem(self.selector.findData(run_key))
            self.stack.removeWidget(page)
            page.deleteLater()
            for key in [k for k in self._partial_counts if k[0] == run_key]:
                del self._partial_counts[key]

    def show_page(self, run_key: str) -> None:
        page = self.pages[run_key]
        self.stack.setCurrentWidget(page)
        self.selector.blockSignals(True)
        self.selector.setCurrentIndex(self.selector.findData(run_key))
        self.selector.blockSignals(False)

    def current_page(self) -> RunPage | None:
        page = self.stack.currentWidget()
        return page if isinstance(page, RunPage) else None

    def _select_index(self, position: int) -> None:
        run_key = self.selector.itemData(position)
        if run_key in self.pages:
            self.show_page(run_key)

    def _wire_tile(self, page: RunPage, tile: VariantTile) -> None:
        index = tile.index
        assert index is not None
        tile.save_requested.connect(lambda: self.save_as(page.run_key, index))
        tile.copy_requested.connect(lambda: self.copy(page.run_key, index))
        tile.base_requested.connect(lambda: self.use_as_base.emit(page.run_key, index))
        tile.regenerate_requested.connect(lambda: self.regenerate.emit(page.run_key))

    def _tile(self, run_key: str, index: int) -> VariantTile | None:
        page = self.pages.get(run_key)
        if page is None:
            log.warning("image for unknown run %s dropped by the view (it is in history)", run_key)
            return None
        known = index in page.variants
        tile = page.ensure_tile(index)
        if not known:
            self._wire_tile(page, tile)
        return tile

    # -- decoding off the GUI thread ---------------------------------------------------

    def _offer(self, run_key: str, index: int, kind: str, data: bytes, rank: int) -> None:
        if self._tile(run_key, index) is not None:
            self._decode(
                data,
                self._offer_to(run_key, index, kind, rank),
                lambda error: self._undecodable(run_key, index, error),
            )

    def _undecodable(self, run_key: str, index: int, error: BaseException) -> None:
        tile = self._tile(run_key, index)
        if tile is not None and tile.current_image() is None:
            tile.set_placeholder("cannot show this image\n(it is saved in the history folder)")
        self._failed(error)

    def _offer_to(
        self, run_key: str, index: int, kind: str, rank: int
    ) -> Callable[[QImage, bytes], None]:
        def offer(image: QImage, data: bytes) -> None:
            tile = self._tile(run_key, index)
            if tile is not None:
                tile.offer_image(kind, image, data, rank)

        return offer

    def _decode(
        self,
        source: bytes | Path | Image.Image,
        done: Callable[[QImage, bytes], None],
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Read (a history file) and decode on a worker; `done(image, bytes)` on the GUI thread.
        A Pillow image (already decoded) is only converted; its bytes are b""."""

        def work(context: JobContext) -> tuple[QImage, bytes]:
            if isinstance(source, Image.Image):
                return photo_to_qimage(source), b""
            data = source.read_bytes() if isinstance(source, Path) else source
            return decode_image(data), data

        self._run(work, lambda result: done(*result), failed)

    def _run(
        self,
        fn: Callable[[JobContext], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        holder: list[Job[Any]] = []  # finished may come before run_in_background returns
        job = run_in_background(
            fn,
            name="variants",
            on_success=done,
            on_failure=failed or self._failed,
            on_finished=lambda: self._jobs.difference_update(holder),
            pool=self._pool,
        )
        holder.append(job)
        if not job.done:
            self._jobs.add(job)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, MaskpaintError):
            message = error.user_message
        else:
            log.warning("variants view job failed: %r", error)
            message = "An image could not be shown; it is still saved in the history folder."
        self.status.setText(message)
        self.problem.emit(message)

    def busy(self) -> bool:
        """True while any decode or save runs (tests wait on it)."""
        return bool(self._jobs)

    # -- per-variant actions -----------------------------------------------------------

    def save_as(self, run_key: str, index: int) -> None:
        """Ask where, then encode and write off the GUI thread."""
        tile = self._tile(run_key, index)
        data = tile.current_data() if tile else None
        if not data:
            return
        choice = ask_save_path(self, f"variant-{index + 1}")
        if choice is None:
            return
        path, fmt = choice
        self._run(lambda context: save_variant(data, path, fmt), self._saved)

    def _saved(self, path: Path) -> None:
        self.status.setText(f"Saved {path.name}")
        self.saved.emit(path)

    def copy(self, run_key: str, index: int) -> None:
        tile = self._tile(run_key, index)
        image = tile.current_image() if tile else None
        if image is not None:
            QGuiApplication.clipboard().setImage(image)
            self.status.setText(f"Variant {index + 1} copied")

    # -- keys --------------------------------------------------------------------------

    def _tile_clicked(self, page: RunPage, index: int | None) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if page.focused is None:
            page.focus(index)

    def event(self, event: QEvent) -> bool:
        # Window-wide shortcuts (Esc = Cancel, digits, Ctrl+0 on the canvas) must not
        # steal the keys this view answers while it has the focus.
        if event.type() == QEvent.Type.ShortcutOverride and self._handles(cast(QKeyEvent, event)):
            event.accept()
            return True
        return super().event(event)

    def _handles(self, event: QKeyEvent) -> bool:
        page = self.current_page()
        if page is None:
            return False
        key, modifiers = event.key(), event.modifiers()
        if key == Qt.Key.Key_0 and modifiers & Qt.KeyboardModifier.ControlModifier:
            return True
        if modifiers & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if key == Qt.Key.Key_Escape:
            return page.focused is not None
        return key in COMPARE_KEYS or Qt.Key.Key_0 <= key <= Qt.Key.Key_9

    def keyPressEvent(self, event: QKeyEvent) -> None:
        page = self.current_page()
        key = event.key()
        if page is None:
            super().keyPressEvent(event)
        elif key in COMPARE_KEYS:
            if not event.isAutoRepeat():
                page.set_show_original(True)
        elif key == Qt.Key.Key_0 and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.transform.reset()
        elif Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            page.focus(key - Qt.Key.Key_1)
        elif key in (Qt.Key.Key_0, Qt.Key.Key_Escape) and page.focused is not None:
            page.unfocus()
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        page = self.current_page()
        if page is not None and event.key() in COMPARE_KEYS and not event.isAutoRepeat():
            page.set_show_original(False)
        else:
            super().keyReleaseEvent(event)
