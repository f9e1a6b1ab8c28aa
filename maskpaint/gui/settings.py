"""Where the GUI keeps its preferences (QSettings), and how tests keep them out of $HOME.

If MASKPAINT_HOME is set, the INI file lives there (tests and scripted runs point it at a
temporary folder); otherwise Qt's per-user INI location is used.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "maskpaint"
APPLICATION = "maskpaint"


def app_settings() -> QSettings:
    """The one settings store of the app, honouring MASKPAINT_HOME."""
    home = os.environ.get("MASKPAINT_HOME")
    if home:
        return QSettings(str(Path(home) / "maskpaint.ini"), QSettings.Format.IniFormat)
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


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
