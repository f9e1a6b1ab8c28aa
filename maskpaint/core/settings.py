"""App settings in settings.json, and the API key kept apart from them.

The key goes to the OS keyring where a real one works, else to its own file that
only the user can read (0600). It is never in settings.json, a log line or a repr:
`Settings` has no field for it, and nothing here logs a value that could hold it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import stat
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import keyring
from keyring.backends import fail, null

from maskpaint.core import paths
from maskpaint.core.api_config import ClientConfig
from maskpaint.core.atomic import write_bytes
from maskpaint.core.errors import MaskpaintError
from maskpaint.core.request import DEFAULT_MODEL

log = logging.getLogger(__name__)

KEYRING_SERVICE = "maskpaint"
KEYRING_USERNAME = "api-key"
KeyStorage = Literal["keyring", "file"]
PROVIDERS = ("openai", "azure")


class SettingsError(MaskpaintError):
    """A setting has a value maskpaint cannot use, or could not be saved."""


@dataclass(frozen=True)
class Settings:
    """Everything the Settings dialog edits, except the API key (see SettingsStore)."""

    base_url: str | None = None  # None: OPENAI_BASE_URL, else the embedded server if no key
    organization: str | None = None
    project: str | None = None
    default_model: str = DEFAULT_MODEL
    connect_timeout: float = 10.0
    total_timeout: float = 600.0
    data_folder: str | None = None
    n_as_parallel_requests: bool = False
    max_parallel: int = 4
    provider: Literal["openai", "azure"] = "openai"
    azure_deployment: str | None = None
    azure_api_version: str | None = None

    def __post_init__(self) -> None:
        if self.base_url is not None:
            parts = urlsplit(self.base_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SettingsError(
                    "The base URL must start with http:// or https:// and name a server, "
                    "like https://api.openai.com/v1."
                )
        if not self.default_model.strip():
            raise SettingsError("Choose a default model; the model name cannot be empty.")
        if not all(0 < t < math.inf for t in (self.connect_timeout, self.total_timeout)):
            raise SettingsError("Timeouts must be more than 0 seconds.")  # also refuses NaN
        if self.max_parallel < 1:
            raise SettingsError("Parallel requests must be at least 1.")
        if self.provider not in PROVIDERS:
            raise SettingsError("The provider must be OpenAI or Azure.")

    def client_config(
        self, api_key: str | None, env: Mapping[str, str] | None = None, **overrides: Any
    ) -> ClientConfig:
        """The endpoint these settings describe, as the client takes it: the settings
        win over the OPENAI_* environment, as in the openai SDK."""
        return ClientConfig.from_env(
            os.environ if env is None else env,
            base_url=self.base_url,
            api_key=api_key,
            provider=self.provider,
            azure_deployment=self.azure_deployment,
            azure_api_version=self.azure_api_version,
            organization=self.organization,
            project=self.project,
            connect_timeout=self.connect_timeout,
            total_timeout=self.total_timeout,
            **overrides,
        )


_DEFAULTS = Settings()
_FIELDS = {f.name: f for f in fields(Settings)}


def _accepts(name: str, value: Any) -> bool:
    """Whether a JSON value has the type the field needs (bool is not a number here)."""
    default = getattr(_DEFAULTS, name)
    if value is None:
        return "None" in str(_FIELDS[name].type)
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)


def settings_from_dict(data: dict[str, Any]) -> Settings:
    """Settings from parsed JSON: unknown names are ignored, bad values fall back one by one."""
    chosen: dict[str, Any] = {}
    for name, value in data.items():
        if name not in _FIELDS:
            continue
        if not _accepts(name, value):
            log.warning("settings.json: ignoring %s of type %s", name, type(value).__name__)
            continue
        if isinstance(getattr(_DEFAULTS, name), float):
            value = float(value)  # a hand edit may write 10 for 10.0
        candidate = {**chosen, name: value}
        try:
            Settings(**candidate)
        except SettingsError as error:
            log.warning("settings.json: ignoring %s (%s)", name, error.user_message)
            continue
        chosen = candidate
    return Settings(**chosen)


class SettingsStore:
    """settings.json and the API key, under `paths.data_home()` unless told otherwise."""

    def __init__(self, path: Path | None = None, *, key_path: Path | None = None) -> None:
        self.path = path if path is not None else paths.settings_path()
        self.key_path = key_path if key_path is not None else paths.key_file_path()

    def load(self) -> Settings:
        """The saved settings; defaults when the file is missing or unreadable."""
        try:
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return Settings()
        except (OSError, ValueError) as error:
            log.warning("settings.json unreadable (%s): using defaults", error)
            return Settings()
        return settings_from_dict(data) if isinstance(data, dict) else Settings()

    def save(self, settings: Settings) -> None:
        """Write settings.json atomically (never with the key: Settings has none)."""
        content = json.dumps(asdict(settings), indent=2).encode("utf-8") + b"\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_bytes(self.path, content)
        except OSError as error:
            raise _save_error(self.path, error) from error

    def key_storage(self) -> KeyStorage:
        """Where `set_api_key` would put the key now."""
        return "keyring" if _usable_keyring() is not None else "file"

    def api_key(self) -> str | None:
        """The stored key: from the keyring first, else from the key file."""
        backend = _usable_keyring()
        if backend is not None:
            try:
                key = backend.get_password(KEYRING_SERVICE, KEYRING_USERNAME)
            except Exception as error:  # any backend failure means "try the file"
                log.warning("keyring read failed (%s)", type(error).__name__)
            else:
                if key:
                    return key
        return self._read_key_file()

    def set_api_key(self, key: str | None) -> KeyStorage:
        """Store the key (None or "" forgets it); returns where it went."""
        key = (key or "").strip() or None
        backend = _usable_keyring()
        if backend is not None:
            try:
                if key is None:
                    with contextlib.suppress(Exception):  # nothing stored is fine
                        backend.delete_password(KEYRING_SERVICE, KEYRING_USERNAME)
                else:
                    backend.set_password(KEYRING_SERVICE, KEYRING_USERNAME, key)
            except Exception as error:  # a locked or broken keyring: fall back to the file
                log.warning("keyring write failed (%s): using the key file", type(error).__name__)
            else:
                self._remove_key_file()  # a stale copy must not outlive the keyring entry
                return "keyring"
        self._write_key_file(key)
        return "file"

    def _read_key_file(self) -> str | None:
        try:
            mode = self.key_path.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                log.warning("key file was readable by others: restricting it to the user")
                os.chmod(self.key_path, 0o600)
            key = self.key_path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except OSError as error:
            log.warning("key file unreadable (%s)", type(error).__name__)
            return None
        return key or None

    def _write_key_file(self, key: str | None) -> None:
        if key is None:
            self._remove_key_file()
            return
        try:
            self.key_path.parent.mkdir(parents=True, exist_ok=True)
            write_bytes(self.key_path, key.encode("utf-8"))  # created 0600 by mkstemp
        except OSError as error:
            raise _save_error(self.key_path, error) from error

    def _remove_key_file(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.key_path.unlink()


def _usable_keyring() -> Any | None:
    """The keyring backend if a real one works here; None for the fail/null backends."""
    try:
        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring | null.Keyring) or backend.priority <= 0:
            return None
    except Exception as error:  # no D-Bus, no session, a broken backend: use the file
        log.info("no usable keyring (%s)", type(error).__name__)
        return None
    return backend


def _save_error(path: Path, error: OSError) -> SettingsError:
    return SettingsError(
        f"Could not save {path.name} in {path.parent} ({error.strerror or error}); "
        "check that the folder exists and is writable.",
        detail=repr(error),
    )
