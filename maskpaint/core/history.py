"""Runs on disk: every paid image is in a file before it is on screen.

`History.start_run` writes the inputs, the mask and request.json into a new folder
`history/<UTC timestamp>-<id>/`; `Run.add_variant` writes each image the moment
its bytes arrive; `Run.finish` / `Run.fail` close the run with response.json or
error.json. The folders are the truth and `index.sqlite3` only a cache of them
(see history_index.py), rebuilt from the folders whenever it is in doubt.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from maskpaint.core import paths
from maskpaint.core.atomic import write_bytes
from maskpaint.core.history_files import (
    ERROR,
    REQUEST,
    RESPONSE,
    RUN_ID,
    THUMB,
    RunFiles,
    extension_for_mime,
    is_attachment_name,
    safe_settings,
    scan_run,
    to_json,
    url_host,
    variant_name,
    write_thumbnail,
)
from maskpaint.core.history_index import HistoryIndex, IndexRow
from maskpaint.core.history_records import (
    HistoryError,
    RunFailure,
    RunRecord,
    RunResponse,
    RunSummary,
    Status,
    StoredImage,
    folder_error,
    record_from_files,
    row_from_files,
)
from maskpaint.core.request import EditRequest, ImageFile

__all__ = [
    "History",
    "HistoryError",
    "Run",
    "RunFailure",
    "RunRecord",
    "RunResponse",
    "RunSummary",
    "Status",
    "StoredImage",
]

log = logging.getLogger(__name__)

INDEX_NAME = "index.sqlite3"
_EMPTY: Mapping[str, Any] = MappingProxyType({})

# Run folders being written by this process. A folder without response.json or
# error.json that is not in here was left by a process that died: "interrupted".
_live: set[Path] = set()
_live_lock = threading.Lock()


class History:
    """The history folder: start runs, list and search them, reopen and delete them."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else paths.history_dir()
        self._lock = threading.RLock()  # a rebuild must not interleave with row writes
        self._stale = False
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._index = HistoryIndex(self.root / INDEX_NAME)
        except (OSError, sqlite3.Error) as error:
            raise folder_error(self.root, error) from error
        if self._index.fresh or not self._index_matches_folders():
            self.rebuild_index()

    def close(self) -> None:
        self._index.close()

    def start_run(
        self, request: EditRequest, *, base_url: str, settings: Mapping[str, Any] = _EMPTY
    ) -> Run:
        """Create the run folder with inputs, mask and request.json; call before sending."""
        created = datetime.now(UTC)
        folder = self._new_folder(created)
        host = url_host(base_url)
        try:
            _write_request(folder, request, created, host, settings)
        except OSError as error:
            shutil.rmtree(folder, ignore_errors=True)
            raise folder_error(folder, error) from error
        with _live_lock:
            _live.add(folder)
        run = Run(self, folder, created, request, host)
        self._update_index(run._row())
        return run

    def runs(
        self, *, query: str | None = None, limit: int = 200, offset: int = 0
    ) -> list[RunSummary]:
        """Runs newest first; `query` keeps those whose prompt has all its words."""

        def fetch() -> list[IndexRow]:
            if query and query.strip():
                return self._index.search(query, limit, offset)
            return self._index.newest(limit, offset)

        return [self._summary(row) for row in self._read_index(fetch)]

    def get(self, run_id: str) -> RunRecord:
        """Everything about one run, from its folder (not from the index)."""
        files = scan_run(self._folder(run_id))
        if files is None:
            raise HistoryError(
                "This run is no longer in the history folder; it may have been deleted or moved.",
                detail=run_id,
            )
        return record_from_files(files, _status(files))

    def delete(self, run_id: str) -> None:
        """Remove a run's folder and its index row."""
        folder = self._folder(run_id)
        try:
            shutil.rmtree(folder)
        except FileNotFoundError:
            pass
        except OSError as error:
            raise folder_error(folder, error) from error
        with _live_lock:
            _live.discard(folder)
        with self._lock:
            self._write_index(lambda index: index.delete(run_id))

    def rebuild_index(self) -> int:
        """Refill the index from the run folders alone; returns the number of runs indexed."""
        with self._lock:
            rows = [row_from_files(files) for files in self._scan()]
            try:
                self._index.replace_all(rows)
            except sqlite3.DatabaseError as error:
                if _is_busy(error):
                    raise _busy_error(error) from error
                log.warning("history index unusable (%s): starting a new one", error)
                self._index.reset()
                self._index.replace_all(rows)
            self._stale = False
            return len(rows)

    # -- internals -------------------------------------------------------------------

    def _folder(self, run_id: str) -> Path:
        if not RUN_ID.fullmatch(run_id):
            raise HistoryError("This is not a run of the history.", detail=run_id)
        return self.root / run_id

    def _new_folder(self, created: datetime) -> Path:
        stamp = created.strftime("%Y%m%d-%H%M%S")
        while True:
            folder = self.root / f"{stamp}-{secrets.token_hex(3)}"
            try:
                folder.mkdir(parents=True)
                return folder
            except FileExistsError:
                continue
            except OSError as error:
                raise folder_error(self.root, error) from error

    def _scan(self) -> list[RunFiles]:
        found = []
        for entry in sorted(self.root.iterdir()):
            if RUN_ID.fullmatch(entry.name) and (files := scan_run(entry)) is not None:
                found.append(files)
        return found

    def _index_matches_folders(self) -> bool:
        """Cheap check at open: same run ids on disk as in the index (runs added or
        removed while the app was closed, e.g. by a file manager, trigger a rebuild)."""
        try:
            on_disk = {name for name in os.listdir(self.root) if RUN_ID.fullmatch(name)}
            return on_disk == self._index.run_ids()
        except (OSError, sqlite3.DatabaseError):
            return False

    def _update_index(self, row: IndexRow) -> None:
        with self._lock:
            self._write_index(lambda index: index.upsert(row))

    def _write_index(self, change: Callable[[HistoryIndex], None]) -> None:
        # The run's files are already safe: an index failure only marks it for a rebuild.
        try:
            change(self._index)
        except sqlite3.Error as error:
            log.warning("history index not updated (%s): it will be rebuilt", error)
            self._stale = True

    def _read_index(self, fetch: Callable[[], list[IndexRow]]) -> list[IndexRow]:
        try:
            if self._stale:
                self.rebuild_index()
            try:
                return fetch()
            except sqlite3.DatabaseError as error:
                if _is_busy(error):
                    raise
                log.warning("history index unreadable (%s): rebuilding", error)
                self._index.reset()
                self.rebuild_index()
                return fetch()
        except sqlite3.DatabaseError as error:
            raise _busy_error(error) from error

    def _summary(self, row: IndexRow) -> RunSummary:
        path = self.root / row.run_id
        return RunSummary(
            run_id=row.run_id,
            path=path,
            created=datetime.fromisoformat(row.created),
            prompt=row.prompt,
            model=row.model,
            n_variants=row.n_variants,
            status=_live_status(path, row.status),
            thumbnail=path / row.thumb if row.thumb else None,
            base_url_host=row.host,
            error=row.error,
        )


class Run:
    """One run being written. Safe to call from several worker threads at once."""

    def __init__(
        self,
        history: History,
        path: Path,
        created: datetime,
        request: EditRequest,
        host: str | None,
    ) -> None:
        self.run_id = path.name
        self.path = path
        self._history = history
        self._created = created
        self._prompt = request.prompt
        self._model = request.model
        self._host = host
        self._lock = threading.Lock()
        self._variants: set[int] = set()
        self._first_input = _first_input(path, request)
        self._thumb_tried = False
        self._thumb: str | None = None
        self._status = "running"
        self._error: str | None = None

    def add_variant(self, index: int, data: bytes, fmt: str) -> Path:
        """Save one returned image, untouched, now; returns its path."""
        if index < 0:
            raise ValueError(f"variant index must be >= 0, not {index}")
        path = self._write(variant_name(index, fmt), data)
        with self._lock:
            self._variants.add(index)
        self._make_thumbnail(path)
        self._history._update_index(self._row())
        return path

    def save_file(self, name: str, data: bytes) -> Path:
        """Attach another file to the run (e.g. composite-0.png); returns its path."""
        if not is_attachment_name(name):
            raise HistoryError(f"{name!r} cannot be saved in a run folder.", detail=str(self.path))
        return self._write(name, data)

    def finish(
        self,
        *,
        usage: Mapping[str, Any] | None = None,
        revised_prompts: Sequence[str | None] = (),
        request_id: str | None = None,
        timings: Mapping[str, float] = _EMPTY,
        cost: float | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        """Close the run successfully with response.json."""
        response = {
            "finished": datetime.now(UTC).isoformat(),
            "usage": dict(usage) if usage is not None else None,
            "revised_prompts": list(revised_prompts),
            "request_id": request_id,
            "timings": dict(timings),
            "cost": cost,
            "notes": list(notes),
        }
        self._end(RESPONSE, response, "done", None)

    def fail(
        self,
        *,
        user_message: str,
        status: int | None = None,
        code: str | None = None,
        cancelled: bool = False,
    ) -> None:
        """Close the run with error.json; variants already received stay."""
        error = {
            "finished": datetime.now(UTC).isoformat(),
            "user_message": user_message,
            "status": status,
            "code": code,
            "cancelled": cancelled,
        }
        self._end(ERROR, error, "cancelled" if cancelled else "error", user_message)

    def _end(self, name: str, content: Mapping[str, Any], status: str, error: str | None) -> None:
        if (self.path / RESPONSE).exists() or (self.path / ERROR).exists():
            raise HistoryError("This run is already closed.", detail=str(self.path))
        self._write(name, to_json(content))
        with _live_lock:
            _live.discard(self.path)
        with self._lock:
            self._status, self._error = status, error
        if self._first_input is not None:
            self._make_thumbnail(self._first_input)  # no variant came: show the input
        self._history._update_index(self._row())

    def _write(self, name: str, data: bytes) -> Path:
        try:
            return write_bytes(self.path / name, data)
        except OSError as error:
            raise folder_error(self.path, error) from error

    def _make_thumbnail(self, source: Path) -> None:
        """thumb.jpg, once per run, from the first image that gets here."""
        with self._lock:
            if self._thumb_tried:
                return
            self._thumb_tried = True
        if write_thumbnail(source, self.path / THUMB):
            with self._lock:
                self._thumb = THUMB

    def _row(self) -> IndexRow:
        with self._lock:
            return IndexRow(
                run_id=self.run_id,
                created=self._created.isoformat(),
                prompt=self._prompt,
                model=self._model,
                status=self._status,
                n_variants=len(self._variants),
                thumb=self._thumb,
                host=self._host,
                error=self._error,
            )


# -- reading and writing run folders ------------------------------------------------


def _write_request(
    folder: Path,
    request: EditRequest,
    created: datetime,
    host: str | None,
    settings: Mapping[str, Any],
) -> None:
    """Inputs and mask byte for byte, then request.json last: its presence means complete."""
    images = [_write_part(folder, f"image-{i}", part) for i, part in enumerate(request.images)]
    mask = _write_part(folder, "mask", request.mask) if request.mask else None
    content = {
        "version": 1,
        "run_id": folder.name,
        "created": created.isoformat(),
        "prompt": request.prompt,
        "model": request.model,
        "fields": request.set_fields(),
        "images": images,
        "mask": mask,
        "base_url_host": host,
        "settings": safe_settings(settings),
    }
    write_bytes(folder / REQUEST, to_json(content))


def _write_part(folder: Path, stem: str, part: ImageFile) -> dict[str, Any]:
    name = f"{stem}.{extension_for_mime(part.mime, part.filename)}"
    write_bytes(folder / name, part.data)
    return {"file": name, "filename": part.filename, "mime": part.mime, "bytes": len(part.data)}


def _first_input(folder: Path, request: EditRequest) -> Path | None:
    if not request.images:
        return None
    part = request.images[0]
    return folder / f"image-0.{extension_for_mime(part.mime, part.filename)}"


def _status(files: RunFiles) -> Status:
    return _live_status(files.folder, files.finished_status)


def _live_status(folder: Path, status: str) -> Status:
    if status == "running":
        with _live_lock:
            return "running" if folder in _live else "interrupted"
    return cast(Status, status)  # done / error / cancelled, as this module wrote it


def _is_busy(error: sqlite3.DatabaseError) -> bool:
    """Locked by another connection: wait or report, never throw the index away."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _busy_error(error: sqlite3.DatabaseError) -> HistoryError:
    return HistoryError(
        "The history is busy in another maskpaint window; try again in a moment.",
        detail=repr(error),
    )
