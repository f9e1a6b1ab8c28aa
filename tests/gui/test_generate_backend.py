"""Where Generate sends: settings, then OPENAI_* variables, else the built-in server."""

from __future__ import annotations

import httpx2

from maskpaint.core.api_config import OPENAI_BASE_URL
from maskpaint.core.settings import Settings, SettingsStore
from maskpaint.gui.backend import LOCAL_NOTICE, choose_backend


def test_no_key_and_no_base_url_means_the_built_in_server_in_a_child_process():
    backend = choose_backend(env={})
    assert backend.local and backend.notice == LOCAL_NOTICE
    try:
        config = backend.client_config()
        assert config.uses_local_backend and config.api_key is None
        models = httpx2.get(f"{config.base_url}/models").json()
        assert any(item["id"] == "gpt-image-1.5" for item in models["data"])
        assert backend.client_config().base_url == config.base_url  # started once
    finally:
        backend.close()
    assert not _answers(config.base_url)


def test_an_environment_key_goes_to_openai():
    backend = choose_backend(env={"OPENAI_API_KEY": "sk-from-env"})
    config = backend.client_config()
    assert not backend.local and config.base_url == OPENAI_BASE_URL
    assert config.api_key == "sk-from-env"
    assert "sk-from-env" not in backend.notice + repr(backend) + repr(config)


def test_settings_win_over_the_environment():
    store = SettingsStore()
    store.save(Settings(base_url="https://gateway.example.com/v1", total_timeout=90.0))
    store.set_api_key("sk-from-settings")
    backend = choose_backend(
        store, env={"OPENAI_API_KEY": "sk-from-env", "OPENAI_BASE_URL": "https://x.example/v1"}
    )
    config = backend.client_config()
    assert (config.base_url, config.api_key) == (
        "https://gateway.example.com/v1",
        "sk-from-settings",
    )
    assert config.total_timeout == 90.0
    assert backend.notice == "Edits go to https://gateway.example.com/v1"


def _answers(base_url: str) -> bool:
    try:
        httpx2.get(f"{base_url}/models", timeout=1.0)
    except httpx2.HTTPError:
        return False
    return True
