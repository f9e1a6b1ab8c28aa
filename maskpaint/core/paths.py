"""Where maskpaint keeps its data: one folder, `$MASKPAINT_HOME` or the platform's choice.

Tests set MASKPAINT_HOME to a temp folder, so nothing they do touches a real home.
The "data folder" setting moves history and recovery (the bulky, valuable part);
settings, the key file and logs stay in `data_home()` so they can always be found.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "maskpaint"
HOME_ENV = "MASKPAINT_HOME"


def data_home() -> Path:
    """`$MASKPAINT_HOME` if set, else the platform's user data folder for maskpaint."""
    override = os.environ.get(HOME_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def _data_root(data_folder: str | os.PathLike[str] | None) -> Path:
    return Path(data_folder).expanduser() if data_folder else data_home()


def history_dir(data_folder: str | os.PathLike[str] | None = None) -> Path:
    """The folder of run folders (and the history index)."""
    return _data_root(data_folder) / "history"


def recovery_dir(data_folder: str | os.PathLike[str] | None = None) -> Path:
    """Autosaved sessions, offered back after a crash."""
    return _data_root(data_folder) / "recovery"


def log_dir() -> Path:
    """Log files (tracebacks go here, never to the user)."""
    return data_home() / "logs"


def settings_path() -> Path:
    return data_home() / "settings.json"


def key_file_path() -> Path:
    """The API key when no OS keyring works: its own file, 0600, never settings.json."""
    return data_home() / "api-key"
