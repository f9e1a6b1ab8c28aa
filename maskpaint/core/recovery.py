"""Autosave and crash recovery: a snapshot per running app, offered back once its app is dead.

Each app instance claims a slot in the recovery folder: `<slot>.lock` (JSON: pid, the
process's start time, host) and, from its first autosave on, `<slot>.maskpaint` (a
session file, replaced atomically each time). A clean exit removes both. Whatever is
left by a process that no longer runs, or whose pid now belongs to another process
(the start time differs), is a crashed session. A live instance's snapshot is never
offered, so several instances can run side by side.

GUI use, in one line each:
    offers = Recovery().pending()  # at start, before claim(); restore(item) then discard(item)
    recovery.claim(); recovery.autosave(state)  # in a worker, every 30 s and at Generate
    recovery.close()  # on a clean exit
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import socket
import threading
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from maskpaint.core import paths
from maskpaint.core.atomic import is_temp_name, write_bytes
from maskpaint.core.errors import MaskpaintError
from maskpaint.core.history_files import RUN_ID, scan_run
from maskpaint.core.session import MANIFEST, PROMPT, RUNS, SUFFIX, SessionState, load_session
from maskpaint.core.session import save_session as _save_session

__all__ = ["RecoverableSession", "Recovery", "RecoveryError", "UnseenRun"]

log = logging.getLogger(__name__)

LOCK_SUFFIX = ".lock"
PREVIEW_CHARS = 80
#: Start times are floats from the OS clock; the same process reads the same value, a
#: pid reused by a later process reads a later one by at least the first one's lifetime.
_START_TOLERANCE_S = 0.5


class RecoveryError(MaskpaintError):
    """The recovery folder could not be written."""


@dataclass(frozen=True)
class UnseenRun:
    """A history run whose variants arrived but were never looked at."""

    run_id: str
    variants: tuple[Path, ...]


@dataclass(frozen=True)
class RecoverableSession:
    """One line of the "restore?" dialog."""

    path: Path  # the snapshot
    saved_at: datetime
    image_name: str
    prompt_preview: str
    unseen: tuple[UnseenRun, ...]  # only runs whose variant files still exist


class Recovery:
    """This process's autosave slot, and the slots crashed processes left behind."""

    def __init__(self, root: Path | None = None, *, history_root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else paths.recovery_dir()
        self.history_root = Path(history_root) if history_root else paths.history_dir()
        self._slot = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._lock = threading.Lock()  # autosave may run in a worker while close() runs
        self._claimed = False
        self._closed = False

    @property
    def snapshot_path(self) -> Path:
        return self.root / f"{self._slot}{SUFFIX}"

    @property
    def _lock_path(self) -> Path:
        return self.root / f"{self._slot}{LOCK_SUFFIX}"

    def claim(self) -> None:
        """Mark this process as running, so its snapshots are not offered to others."""
        with self._lock:
            self._claim()

    def autosave(self, state: SessionState) -> Path:
        """Replace this process's snapshot with `state` (atomic); claims first if needed."""
        with self._lock:
            if self._closed:
                raise RecoveryError(
                    "Autosave was already stopped for this window; save the session by hand.",
                    detail="autosave() after close()",
                )
            self._claim()
            try:
                _save_session(self.snapshot_path, state)
            except MaskpaintError as error:
                raise RecoveryError(
                    f"Autosave failed ({error.user_message}); your work is still open, "
                    "save the session by hand.",
                    detail=error.detail,
                ) from error
            return self.snapshot_path

    def close(self) -> None:
        """Clean exit: the snapshot goes first, then the lock (never a snapshot with no lock)."""
        with self._lock:
            self._closed = True
            for path in (self.snapshot_path, self._lock_path):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def pending(self) -> list[RecoverableSession]:
        """Snapshots of processes that are no longer running, newest first."""
        found = []
        for snapshot in self._snapshots():
            if snapshot.stem == self._slot or _owner_alive(_lock_for(snapshot)):
                continue
            item = self._describe(snapshot)
            if item is not None:
                found.append(item)
        return sorted(found, key=lambda item: item.saved_at, reverse=True)

    def restore(self, item: RecoverableSession) -> SessionState:
        """The crashed session, in full. Call `discard(item)` once it is back on the canvas."""
        return load_session(item.path)

    def discard(self, item: RecoverableSession) -> None:
        """Forget a crashed session: its snapshot and the dead process's lock."""
        lock = _lock_for(item.path)
        if _owner_alive(lock):
            return  # never delete a live instance's slot
        for path in (item.path, lock):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    # -- internals -------------------------------------------------------------------

    def _claim(self) -> None:
        if self._claimed:
            return
        me = psutil.Process()
        content = {
            "pid": me.pid,
            "started": me.create_time(),
            "host": socket.gethostname(),
            "claimed": datetime.now(UTC).isoformat(),
        }
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            write_bytes(self._lock_path, json.dumps(content).encode("utf-8"))
        except OSError as error:
            raise RecoveryError(
                f"Could not write to the recovery folder {self.root} "
                f"({error.strerror or error}); autosave is off until it is writable.",
                detail=repr(error),
            ) from error
        self._claimed, self._closed = True, False
        self._remove_dead_locks()

    def _snapshots(self) -> list[Path]:
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return []
        except OSError as error:
            log.warning("cannot list the recovery folder %s: %s", self.root, error)
            return []
        return [
            self.root / name
            for name in sorted(names)
            if name.endswith(SUFFIX) and not is_temp_name(name)
        ]

    def _remove_dead_locks(self) -> None:
        """Locks of processes that died before their first autosave hold nothing to offer."""
        for lock in self.root.glob(f"*{LOCK_SUFFIX}"):
            if not lock.with_suffix(SUFFIX).exists() and not _owner_alive(lock):
                with contextlib.suppress(OSError):
                    lock.unlink()

    def _describe(self, snapshot: Path) -> RecoverableSession | None:
        """The dialog's facts, from the small parts of the snapshot (no image decode)."""
        try:
            with zipfile.ZipFile(snapshot) as archive:
                manifest = json.loads(archive.read(MANIFEST))
                prompt = archive.read(PROMPT).decode("utf-8")
                runs = json.loads(archive.read(RUNS))
            saved_at = datetime.fromisoformat(manifest["created"])
            image_name = str(manifest["image"]["name"])
            unseen = [run for run in runs["unseen"] if isinstance(run, str)]
        except (OSError, KeyError, TypeError, ValueError, zipfile.BadZipFile) as error:
            log.warning("skipping unreadable recovery snapshot %s: %s", snapshot, error)
            return None
        return RecoverableSession(
            path=snapshot,
            saved_at=saved_at,
            image_name=image_name,
            prompt_preview=_preview(prompt),
            unseen=tuple(self._unseen_runs(unseen)),
        )

    def _unseen_runs(self, run_ids: list[str]) -> list[UnseenRun]:
        found = []
        for run_id in run_ids:
            files = scan_run(self.history_root / run_id) if RUN_ID.fullmatch(run_id) else None
            variants = tuple(path for path in files.variants if path.is_file()) if files else ()
            if variants:
                found.append(UnseenRun(run_id, variants))
        return found


def _lock_for(snapshot: Path) -> Path:
    return snapshot.with_suffix(LOCK_SUFFIX)


def _owner_alive(lock: Path) -> bool:
    """Whether the process that wrote `lock` still runs; no lock, no owner."""
    try:
        owner: Any = json.loads(lock.read_bytes())
        pid, started, host = int(owner["pid"]), float(owner["started"]), owner.get("host")
    except FileNotFoundError:
        return False
    except (OSError, KeyError, TypeError, ValueError) as error:
        log.warning("unreadable recovery lock %s (%s): taken as dead", lock, error)
        return False
    if host != socket.gethostname():
        return True  # a shared data folder: another machine's pids say nothing here
    return _process_alive(pid, started)


def _process_alive(pid: int, started: float) -> bool:
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False  # killed, not yet reaped by its parent: it will never save again
        return abs(process.create_time() - started) <= _START_TOLERANCE_S
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:
        return True  # it exists; when in doubt, never offer a possibly live snapshot


def _preview(prompt: str) -> str:
    flat = " ".join(prompt.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1].rstrip() + "…"
