"""Where maskpaint's log goes, and the guarantee that no API key reaches it.

One rotating file in `paths.log_dir()` takes everything from INFO up, including the
tracebacks that users never see. Every record passes through `redact` first, so even
a key that slipped into an exception message or a header dump is written as
"[REDACTED]".
"""

from __future__ import annotations

import logging
import re
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from maskpaint.core import paths

LOG_NAME = "maskpaint.log"

#: Secrets by shape: OpenAI-style keys, bearer tokens, Azure api-key headers, key=...
_SECRET = re.compile(
    r"(?P<key>\bsk-[A-Za-z0-9_\-]{6,})"
    r"|(?P<bearer>(?i:bearer)\s+)[^\s'\"]+"
    r"|(?P<header>(?i:api[-_]key)['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"
)


def redact(text: str) -> str:
    """`text` with anything shaped like an API key replaced by [REDACTED]."""

    def replace(match: re.Match[str]) -> str:
        prefix = match.group("bearer") or match.group("header") or ""
        return f"{prefix}[REDACTED]"

    return _SECRET.sub(replace, text)


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(folder: Path | None = None) -> Path | None:
    """Send maskpaint's log to its file; returns the path, or None if it cannot be
    written (logging must never stop the app)."""
    root = logging.getLogger("maskpaint")
    for handler in list(root.handlers):
        if getattr(handler, "_maskpaint", False):
            root.removeHandler(handler)
            handler.close()
    folder = folder or paths.log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            folder / LOG_NAME, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None
    handler._maskpaint = True  # type: ignore[attr-defined]
    handler.setFormatter(
        _RedactingFormatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(logging.INFO)  # with a handler here, nothing falls through to stderr
    sys.excepthook = _log_uncaught
    return folder / LOG_NAME


def _log_uncaught(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    """A bug (e.g. in a Qt slot): the traceback goes to the log, one line to stderr."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    logging.getLogger("maskpaint").error("uncaught exception", exc_info=(kind, error, trace))
    print(
        f"maskpaint: unexpected error: {kind.__name__}: {redact(str(error))} "
        f"(details in {paths.log_dir() / LOG_NAME})",
        file=sys.stderr,
    )
