"""The SQLite index of the history folder: fast listing and full-text search.

The run folders are the truth; this is a cache of them. When the file is missing,
corrupt or of an older schema it is thrown away and the caller refills it from the
folders (`HistoryIndex.fresh` tells it to). One connection serves every thread,
behind a lock: the GUI writes from worker threads and listing is a single query.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

log = logging.getLogger(__name__)

#: Bump when the schema changes; an index of another version is rebuilt from the files.
SCHEMA_VERSION = 1
#: Seconds to wait for another connection (another window, the CLI) to finish writing.
BUSY_TIMEOUT = 10.0

_SCHEMA = """
CREATE TABLE runs (
    num INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    prompt TEXT NOT NULL,
    model TEXT NOT NULL,
    status TEXT NOT NULL,
    n_variants INTEGER NOT NULL,
    thumb TEXT,
    host TEXT,
    error TEXT
);
CREATE INDEX runs_newest ON runs (created DESC, id DESC);
CREATE VIRTUAL TABLE runs_fts USING fts5 (
    prompt, content='runs', content_rowid='num', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER runs_fts_insert AFTER INSERT ON runs BEGIN
    INSERT INTO runs_fts (rowid, prompt) VALUES (new.num, new.prompt);
END;
CREATE TRIGGER runs_fts_delete AFTER DELETE ON runs BEGIN
    INSERT INTO runs_fts (runs_fts, rowid, prompt) VALUES ('delete', old.num, old.prompt);
END;
CREATE TRIGGER runs_fts_update AFTER UPDATE OF prompt ON runs BEGIN
    INSERT INTO runs_fts (runs_fts, rowid, prompt) VALUES ('delete', old.num, old.prompt);
    INSERT INTO runs_fts (rowid, prompt) VALUES (new.num, new.prompt);
END;
"""


@dataclass(frozen=True)
class IndexRow:
    """One run as the index holds it; `created` is ISO 8601 UTC, so it sorts as text."""

    run_id: str
    created: str
    prompt: str
    model: str
    status: str
    n_variants: int
    thumb: str | None
    host: str | None
    error: str | None


_COLUMNS = ("id", "created", "prompt", "model", "status", "n_variants", "thumb", "host", "error")
_FIELD_NAMES = tuple(f.name for f in fields(IndexRow))
assert len(_COLUMNS) == len(_FIELD_NAMES)
_SELECT = "SELECT " + ", ".join(f"r.{c}" for c in _COLUMNS)
_UPSERT = (
    f"INSERT INTO runs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
    "ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS if c != "id")
)


class HistoryIndex:
    """index.sqlite3 under the history folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn, self.fresh = self._open()

    def _open(self) -> tuple[sqlite3.Connection, bool]:
        """Connect; start over (fresh=True) if the file is missing, corrupt or outdated."""
        if self.path.exists():
            conn = None
            try:
                conn = self._connect()
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version == SCHEMA_VERSION:
                    conn.execute("PRAGMA journal_mode = WAL")
                    return conn, False
                log.info("history index has schema %s, not %s: rebuilding", version, SCHEMA_VERSION)
            except sqlite3.DatabaseError as error:
                log.warning("history index %s is unreadable (%s): rebuilding", self.path, error)
            if conn is not None:
                conn.close()
            self._remove_files()
        conn = self._connect()
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(_SCHEMA)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return conn, True

    def _connect(self) -> sqlite3.Connection:
        # Autocommit (isolation_level=None): each statement is its own transaction,
        # `_transaction` groups the big ones. The index is a cache, so NORMAL sync is enough.
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _remove_files(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{self.path}{suffix}").unlink()

    def reset(self) -> None:
        """Throw the index away and start an empty one (the caller refills it)."""
        with self._lock:
            self._conn.close()
            self._remove_files()
            self._conn, self.fresh = self._open()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def upsert(self, row: IndexRow) -> None:
        with self._lock:
            self._conn.execute(_UPSERT, _values(row))

    def delete(self, run_id: str) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    def replace_all(self, rows: Sequence[IndexRow]) -> None:
        """Replace every row in one transaction (a rebuild)."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM runs")
            conn.executemany(_UPSERT, (_values(row) for row in rows))
        self.fresh = False

    def newest(self, limit: int, offset: int = 0) -> list[IndexRow]:
        sql = f"{_SELECT} FROM runs r ORDER BY r.created DESC, r.id DESC LIMIT ? OFFSET ?"
        return self._rows(sql, (limit, offset))

    def search(self, query: str, limit: int, offset: int = 0) -> list[IndexRow]:
        """Runs whose prompt has every word of `query` (as a word prefix), newest first."""
        match = fts_query(query)
        if match is None:
            return self.newest(limit, offset)
        sql = (
            f"{_SELECT} FROM runs_fts JOIN runs r ON r.num = runs_fts.rowid "
            "WHERE runs_fts MATCH ? ORDER BY r.created DESC, r.id DESC LIMIT ? OFFSET ?"
        )
        return self._rows(sql, (match, limit, offset))

    def run_ids(self) -> set[str]:
        with self._lock:
            return {run_id for (run_id,) in self._conn.execute("SELECT id FROM runs")}

    def _rows(self, sql: str, params: tuple[object, ...]) -> list[IndexRow]:
        with self._lock:
            return [IndexRow(*row) for row in self._conn.execute(sql, params)]


def fts_query(text: str) -> str | None:
    """A safe FTS5 MATCH string for what a designer typed, or None if it has no words.

    Each word is quoted (so `-`, `:` or `"` never reach FTS5's query syntax) and made
    a prefix, so results narrow as the designer types.
    """
    words = re.findall(r"\w+", text)
    return " ".join(f'"{word}"*' for word in words) or None


def _values(row: IndexRow) -> tuple[object, ...]:
    # Not dataclasses.astuple: it deep-copies every field, which shows in a 10,000-run rebuild.
    return tuple(getattr(row, name) for name in _FIELD_NAMES)
