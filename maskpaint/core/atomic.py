"""Write a file so that a crash never leaves a half file that looks whole.

The bytes go to a hidden temp file in the same folder (same file system, so the
rename is atomic), are flushed to disk, then `os.replace` puts them under the final
name. Readers skip names that start with "." so a leftover temp file is never taken
for a finished one. Files are created 0600 (mkstemp's mode): history, settings and
the key file hold a designer's photos, prompts and secrets, which are theirs alone.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def write_bytes(path: Path, data: bytes, *, durable: bool = True) -> Path:
    """Atomically write `data` to `path` (created 0600); returns `path`.

    `durable=False` skips the fsync (a few ms on a disk) for files that can be
    made again, such as thumbnails: the rename still keeps them whole or absent.
    """
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    return path


def is_temp_name(name: str) -> bool:
    """True for names `write_bytes` uses while writing (and any other hidden file)."""
    return name.startswith(".")
