"""A scratch data folder for a benchmark, so `make bench` never touches the user's."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from maskpaint.core import paths


@contextmanager
def scratch_home() -> Iterator[Path]:
    """MASKPAINT_HOME in a temporary folder for the block, then as it was before.

    Benchmarks run one after another in one process: restoring the variable keeps the
    next one from inheriting a folder that no longer exists.
    """
    previous = os.environ.get(paths.HOME_ENV)
    with tempfile.TemporaryDirectory(prefix="maskpaint-bench-") as home:
        os.environ[paths.HOME_ENV] = home
        try:
            yield Path(home)
        finally:
            if previous is None:
                del os.environ[paths.HOME_ENV]
            else:
                os.environ[paths.HOME_ENV] = previous
