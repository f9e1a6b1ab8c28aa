"""Where the GUI keeps its view preferences (QSettings): beside the app's other settings.

The INI file lives in `core.paths.data_home()`, i.e. `$MASKPAINT_HOME` when set (tests
point it at a temporary folder, so they never touch the user's config), else the
platform's user data folder. API settings and the key are core/settings.py's business.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from maskpaint.core.paths import APP_NAME, data_home

ORGANIZATION = APP_NAME
APPLICATION = APP_NAME
FILE_NAME = "gui.ini"


def app_settings() -> QSettings:
    """The GUI's preferences store (overlay look, brush, recent files, window geometry)."""
    return QSettings(str(data_home() / FILE_NAME), QSettings.Format.IniFormat)


def read_float(settings: QSettings, key: str, default: float) -> float:
    """A float setting; INI files give strings back, and a hand-edited value may be junk."""
    try:
        return float(settings.value(key, default))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


def read_list(settings: QSettings, key: str) -> list[str]:
    """A list setting; QSettings gives a bare string for a one-item list in INI files."""
    value = settings.value(key, [])
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value or []]
