"""Settings in settings.json, the API key in the keyring or a 0600 file, and where data lives."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import keyring
import keyring.backend
import pytest
from keyring.backends import fail
from keyring.errors import KeyringLocked, PasswordDeleteError

from maskpaint.core import paths
from maskpaint.core.settings import Settings, SettingsError, SettingsStore

SECRET = "sk-test-SECRET-123"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A working keyring that lives in a dict: the desktop case, without a desktop."""

    priority = 5

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class LockedKeyring(MemoryKeyring):
    """A keyring that is there but refuses writes (a locked login keyring)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("locked")


@contextlib.contextmanager
def use_keyring(backend: keyring.backend.KeyringBackend) -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    with use_keyring(backend):
        yield backend


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """The headless case: keyring finds nothing better than its fail backend."""
    with use_keyring(fail.Keyring()):
        yield


def every_file_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


# -- where data lives ----------------------------------------------------------------


def test_data_home_is_maskpaint_home_when_set(maskpaint_home):
    assert paths.data_home() == maskpaint_home
    assert paths.history_dir() == maskpaint_home / "history"
    assert paths.recovery_dir() == maskpaint_home / "recovery"
    assert paths.log_dir() == maskpaint_home / "logs"
    assert paths.settings_path() == maskpaint_home / "settings.json"


def test_data_home_is_the_platform_folder_when_unset(monkeypatch):
    monkeypatch.delenv("MASKPAINT_HOME")
    home = paths.data_home()
    assert home.is_absolute()
    assert home.name == "maskpaint"


def test_data_folder_setting_moves_history_and_recovery_only(tmp_path, maskpaint_home):
    assert paths.history_dir(tmp_path / "big-disk") == tmp_path / "big-disk" / "history"
    assert paths.recovery_dir(str(tmp_path / "big-disk")) == tmp_path / "big-disk" / "recovery"
    assert paths.log_dir() == maskpaint_home / "logs"


# -- settings.json -------------------------------------------------------------------


def test_missing_settings_file_gives_the_defaults():
    assert SettingsStore().load() == Settings()


def test_settings_round_trip(maskpaint_home):
    store = SettingsStore()
    settings = Settings(
        base_url="https://gateway.example.com/v1",
        organization="org_1",
        project="proj_1",
        default_model="gpt-image-2",
        connect_timeout=3.5,
        total_timeout=120.0,
        data_folder="/mnt/big/maskpaint",
        n_as_parallel_requests=True,
        max_parallel=2,
        provider="azure",
        azure_deployment="images",
        azure_api_version="2025-04-01-preview",
    )

    store.save(settings)

    assert SettingsStore().load() == settings
    on_disk = json.loads((maskpaint_home / "settings.json").read_text())
    assert on_disk == asdict(settings)
    assert [p.name for p in maskpaint_home.iterdir()] == ["settings.json"]  # no temp left


def test_unknown_and_bad_values_fall_back_one_by_one(maskpaint_home):
    maskpaint_home.mkdir()
    (maskpaint_home / "settings.json").write_text(
        json.dumps(
            {
                "default_model": "gpt-image-1-mini",
                "connect_timeout": 5,  # an int where a float goes: fine
                "total_timeout": "long",  # wrong type
                "max_parallel": 0,  # out of range
                "n_as_parallel_requests": 1,  # not a bool
                "base_url": "ftp://nowhere",  # not http(s)
                "provider": "bedrock",  # unknown provider
                "from_a_newer_version": True,
            }
        )
    )
    loaded = SettingsStore().load()
    assert loaded == Settings(default_model="gpt-image-1-mini", connect_timeout=5.0)
    assert isinstance(loaded.connect_timeout, float)


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_unreadable_settings_file_gives_the_defaults(maskpaint_home, content):
    maskpaint_home.mkdir()
    (maskpaint_home / "settings.json").write_bytes(content)
    assert SettingsStore().load() == Settings()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"base_url": "api.openai.com"}, "must start with http"),
        ({"connect_timeout": 0.0}, "more than 0 seconds"),
        ({"total_timeout": float("nan")}, "more than 0 seconds"),
        ({"max_parallel": 0}, "at least 1"),
        ({"default_model": " "}, "cannot be empty"),
        ({"provider": "bedrock"}, "OpenAI or Azure"),
    ],
)
def test_impossible_settings_are_refused_with_a_plain_message(changes, message):
    with pytest.raises(SettingsError, match=message):
        Settings(**changes)


def test_settings_that_cannot_be_saved_raise_settings_error(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    with pytest.raises(SettingsError, match=r"Could not save settings\.json"):
        SettingsStore(blocker / "settings.json").save(Settings())


# -- the API key ---------------------------------------------------------------------


def test_without_a_keyring_the_key_goes_to_a_file_only_the_user_can_read(
    no_keyring, maskpaint_home
):
    store = SettingsStore()
    assert store.key_storage() == "file"

    assert store.set_api_key(f"  {SECRET}\n") == "file"

    key_file = maskpaint_home / "api-key"
    assert key_file.read_text() == SECRET
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert SettingsStore().api_key() == SECRET
    store.save(Settings())
    assert SECRET not in (maskpaint_home / "settings.json").read_text()


def test_with_a_keyring_the_key_goes_there_and_into_no_file(memory_keyring, maskpaint_home, caplog):
    caplog.set_level(logging.DEBUG)
    store = SettingsStore()
    assert store.key_storage() == "keyring"

    assert store.set_api_key(SECRET) == "keyring"
    store.save(Settings(base_url="https://api.openai.com/v1", organization="org_1"))

    assert memory_keyring.entries == {("maskpaint", "api-key"): SECRET}
    assert SettingsStore().api_key() == SECRET
    files = every_file_under(maskpaint_home)
    assert files == [maskpaint_home / "settings.json"]
    for path in files:
        assert SECRET.encode() not in path.read_bytes()
    assert SECRET not in caplog.text
    assert SECRET not in repr(store) + repr(store.load())


def test_moving_the_key_to_the_keyring_removes_the_old_key_file(maskpaint_home):
    with use_keyring(fail.Keyring()):
        SettingsStore().set_api_key("sk-old")
    assert (maskpaint_home / "api-key").exists()

    with use_keyring(MemoryKeyring()):
        assert SettingsStore().set_api_key(SECRET) == "keyring"
        assert SettingsStore().api_key() == SECRET
    assert not (maskpaint_home / "api-key").exists()


def test_a_locked_keyring_falls_back_to_the_file(maskpaint_home, caplog):
    with use_keyring(LockedKeyring()):
        assert SettingsStore().set_api_key(SECRET) == "file"
        assert SettingsStore().api_key() == SECRET
    assert (maskpaint_home / "api-key").read_text() == SECRET
    assert SECRET not in caplog.text


@pytest.mark.parametrize("backend", [MemoryKeyring, fail.Keyring])
def test_clearing_the_key_forgets_it_everywhere(backend, maskpaint_home):
    with use_keyring(backend()):
        store = SettingsStore()
        store.set_api_key(SECRET)
        store.set_api_key(None)
        assert store.api_key() is None
        store.set_api_key("")
        assert store.api_key() is None
    assert not (maskpaint_home / "api-key").exists()


def test_a_key_file_readable_by_others_is_restricted_on_read(no_keyring, maskpaint_home):
    maskpaint_home.mkdir()
    key_file = maskpaint_home / "api-key"
    key_file.write_text(SECRET)
    os.chmod(key_file, 0o644)

    assert SettingsStore().api_key() == SECRET
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_no_key_stored_means_none(no_keyring):
    assert SettingsStore().api_key() is None
