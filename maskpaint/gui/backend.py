"""Where Generate sends its edits: the configured API, or the built-in local server.

The key and base URL come from Settings (key from the keyring or key file), then the
environment as the OpenAI SDK reads it. With neither, the app still works: edits go to
the embedded server, started in-process on a free loopback port on first use (on the
worker, so the window never waits for it), and the status bar says so.
"""

from __future__ import annotations

from collections.abc import Mapping

from maskpaint.core.api_config import ClientConfig
from maskpaint.core.settings import Settings, SettingsStore
from maskpaint.gui.local_server import LocalServer

LOCAL_NOTICE = "No API key: using the built-in local inpainting server (prompts are ignored)"


class Backend:
    """One endpoint choice. `client_config()` is safe from any thread."""

    def __init__(self, settings: Settings, config: ClientConfig | None) -> None:
        self.settings = settings
        self._config = config
        self._server = LocalServer()

    def __repr__(self) -> str:
        where = "local server" if self.local else self._config
        return f"Backend({where})"

    @property
    def local(self) -> bool:
        """True when edits go to the embedded server (free, prompt ignored)."""
        return self._config is None

    @property
    def on_this_machine(self) -> bool:
        """Edits go to a server on this machine (built in or a local gateway): no bill."""
        return self._config is None or self._config.uses_local_backend

    @property
    def notice(self) -> str:
        """The status-bar line that says where edits go (never the key)."""
        if self._config is None:
            return LOCAL_NOTICE
        return f"Edits go to {self._config.base_url}"

    def client_config(self) -> ClientConfig:
        """The endpoint to send to; starts the local server the first time it is needed."""
        if self._config is not None:
            return self._config
        return ClientConfig(
            base_url=self._server.base_url(),
            connect_timeout=self.settings.connect_timeout,
            total_timeout=self.settings.total_timeout,
        )

    def close(self) -> None:
        """Stop the local server if this backend started one."""
        self._server.stop()


def choose_backend(
    store: SettingsStore | None = None, env: Mapping[str, str] | None = None
) -> Backend:
    """Settings first, then OPENAI_* variables; the local server when nothing is set."""
    store = store or SettingsStore()
    settings = store.load()
    config = settings.client_config(store.api_key(), env)
    return Backend(settings, config if config.is_configured else None)
