"""ClientConfig: settings and environment, URLs and headers per provider, no key in reprs."""

from __future__ import annotations

import email.utils
import time

import pytest

from maskpaint.core.api import ClientConfig, _loggable
from maskpaint.core.transport import retry_after_seconds, retry_delay
from tests.core.api_support import FAKE_KEY


def test_from_env_reads_the_sdk_variables() -> None:
    env = {
        "OPENAI_BASE_URL": "https://gateway.example/v1",
        "OPENAI_API_KEY": FAKE_KEY,
        "OPENAI_ORG_ID": "org-1",
        "OPENAI_PROJECT_ID": "proj-1",
    }
    config = ClientConfig.from_env(env)
    assert config.base_url == "https://gateway.example/v1"
    assert config.api_key == FAKE_KEY
    assert config.headers()["OpenAI-Organization"] == "org-1"
    assert config.headers()["OpenAI-Project"] == "proj-1"


def test_settings_override_the_environment_but_none_does_not() -> None:
    env = {"OPENAI_BASE_URL": "https://env.example/v1", "OPENAI_API_KEY": "sk-env"}
    config = ClientConfig.from_env(env, base_url="http://127.0.0.1:9/v1", api_key=None)
    assert config.base_url == "http://127.0.0.1:9/v1"
    assert config.api_key == "sk-env"


def test_from_env_rejects_unknown_settings() -> None:
    with pytest.raises(TypeError):
        ClientConfig.from_env({}, base_ur="typo")


def test_empty_environment_means_not_configured() -> None:
    config = ClientConfig.from_env({})
    assert config.base_url == "https://api.openai.com/v1"
    assert not config.is_configured
    assert ClientConfig(base_url="http://127.0.0.1:8000/v1").is_configured


def test_openai_sends_a_bearer_header() -> None:
    config = ClientConfig(api_key=FAKE_KEY)
    assert config.headers()["Authorization"] == f"Bearer {FAKE_KEY}"
    assert "api-key" not in config.headers()
    assert config.edits_url == "https://api.openai.com/v1/images/edits"
    assert config.query == {}


def test_azure_uses_the_deployment_url_api_version_and_api_key_header() -> None:
    config = ClientConfig.from_env(
        {"AZURE_OPENAI_ENDPOINT": "https://res.openai.azure.com", "AZURE_OPENAI_API_KEY": FAKE_KEY},
        provider="azure",
        azure_deployment="img",
        azure_api_version="2025-04-01-preview",
    )
    assert config.edits_url == "https://res.openai.azure.com/openai/deployments/img/images/edits"
    assert config.query == {"api-version": "2025-04-01-preview"}
    assert config.headers()["api-key"] == FAKE_KEY
    assert "Authorization" not in config.headers()


def test_repr_never_shows_the_key_or_header_values() -> None:
    config = ClientConfig(api_key=FAKE_KEY, extra_headers={"X-Gateway-Key": "SECRET-HEADER"})
    assert FAKE_KEY not in repr(config)
    assert "SECRET-HEADER" not in repr(config)


def test_extra_headers_cannot_be_changed_after_construction() -> None:
    headers = {"X-A": "1"}
    config = ClientConfig(extra_headers=headers)
    headers["X-A"] = "2"
    assert config.headers()["X-A"] == "1"
    with pytest.raises(TypeError):
        config.extra_headers["X-A"] = "3"  # type: ignore[index]


def test_loopback_base_url_is_the_local_backend() -> None:
    assert ClientConfig(base_url="http://127.0.0.1:5000/v1").uses_local_backend
    assert ClientConfig(base_url="http://localhost:5000/v1").uses_local_backend
    assert ClientConfig(base_url="http://[::ffff:127.0.0.1]:5000/v1").uses_local_backend
    assert not ClientConfig(base_url="http://[::ffff:10.0.0.1]:5000/v1").uses_local_backend
    assert not ClientConfig().uses_local_backend


def test_key_goes_only_to_the_api_host() -> None:
    config = ClientConfig(base_url="https://api.example/v1")
    assert config.same_origin("https://api.example/files/a.png")
    assert not config.same_origin("https://cdn.example/a.png")
    assert not config.same_origin("http://api.example/files/a.png")


def test_retry_after_ms_seconds_and_http_dates_are_understood() -> None:
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    now = time.time()
    date = email.utils.formatdate(now + 10, usegmt=True)
    wait = retry_after_seconds({"retry-after": date}, now=now)
    assert wait is not None and 8.5 <= wait <= 10.5
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_backoff_grows_from_half_a_second_to_eight_with_jitter() -> None:
    for retries, ceiling in ((0, 0.5), (1, 1.0), (2, 2.0), (6, 8.0), (10, 8.0)):
        delay = retry_delay(retries, None)
        assert 0.75 * ceiling <= delay <= ceiling


def test_retry_after_is_honoured_up_to_two_minutes() -> None:
    assert retry_delay(0, 7.0) == 7.0
    assert retry_delay(0, 120.0) == 120.0
    assert retry_delay(0, 600.0) <= 0.5  # absurd waits fall back to the backoff


def test_logged_urls_drop_credentials() -> None:
    assert _loggable("https://user:pw@gw.example:8443/v1/images/edits") == (
        "https://gw.example:8443/v1/images/edits"
    )
