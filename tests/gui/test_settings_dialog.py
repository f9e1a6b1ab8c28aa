"""The Settings dialog: saving and loading, where the key goes, Test connection on the worker."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit

from maskpaint.core.settings import Settings, SettingsStore
from maskpaint.gui.settings_dialog import CUSTOM_PRESET, SettingsDialog
from tests.core.test_settings import MemoryKeyring, use_keyring

FAKE_KEY = "sk-maskpaint-FAKE-4c1d9e7b2a"


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    with use_keyring(backend):
        yield backend


def open_dialog(qtbot) -> SettingsDialog:
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def retype(qtbot, edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def save(qtbot, dialog: SettingsDialog) -> None:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def files_containing(root: Path, text: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def test_settings_are_saved_and_loaded_again(qtbot, tmp_path):
    dialog = open_dialog(qtbot)
    retype(qtbot, dialog.base_url_edit, "https://gateway.example.com/v1")
    assert dialog.preset_combo.currentText() == CUSTOM_PRESET
    retype(qtbot, dialog.organization_edit, "org-123")
    retype(qtbot, dialog.project_edit, "proj-9")
    retype(qtbot, dialog.model_combo.lineEdit(), "flux-kontext-pro")
    retype(qtbot, dialog.data_folder_edit, str(tmp_path / "pictures"))
    dialog.connect_timeout_spin.setValue(20)
    dialog.total_timeout_spin.setValue(300)
    assert not dialog.max_parallel_spin.isEnabled()
    qtbot.mouseClick(dialog.parallel_check, Qt.MouseButton.LeftButton)
    assert dialog.max_parallel_spin.isEnabled()
    dialog.max_parallel_spin.setValue(6)
    with qtbot.waitSignal(dialog.settings_saved) as saved:
        save(qtbot, dialog)
    expected = Settings(
        base_url="https://gateway.example.com/v1",
        organization="org-123",
        project="proj-9",
        default_model="flux-kontext-pro",
        connect_timeout=20.0,
        total_timeout=300.0,
        data_folder=str(tmp_path / "pictures"),
        n_as_parallel_requests=True,
        max_parallel=6,
    )
    assert saved.args == [expected]
    assert SettingsStore().load() == expected
    assert not dialog.isVisible()
    assert open_dialog(qtbot).settings() == expected


def test_presets_fill_the_base_url(qtbot):
    dialog = open_dialog(qtbot)
    assert dialog.settings().base_url is None  # the embedded server until a key is stored
    dialog.preset_combo.setCurrentText("OpenAI")
    dialog.preset_combo.activated.emit(dialog.preset_combo.currentIndex())
    assert dialog.base_url_edit.text() == "https://api.openai.com/v1"
    retype(qtbot, dialog.base_url_edit, "")
    assert dialog.preset_combo.currentText().startswith("Embedded local server")


def test_azure_needs_a_deployment_and_the_dialog_says_so(qtbot):
    dialog = open_dialog(qtbot)
    assert not dialog.deployment_edit.isEnabled()
    dialog.provider_combo.setCurrentText("Azure OpenAI")
    assert dialog.deployment_edit.isEnabled() and dialog.api_version_edit.isEnabled()
    retype(qtbot, dialog.base_url_edit, "https://studio.openai.azure.com")
    save(qtbot, dialog)
    assert dialog.isVisible()
    assert "deployment name" in dialog.error_label.text()
    retype(qtbot, dialog.deployment_edit, "images")
    retype(qtbot, dialog.api_version_edit, "2025-04-01-preview")
    save(qtbot, dialog)
    saved = SettingsStore().load()
    assert (saved.provider, saved.azure_deployment, saved.azure_api_version) == (
        "azure",
        "images",
        "2025-04-01-preview",
    )


def test_a_bad_base_url_keeps_the_dialog_open_with_a_plain_message(qtbot):
    dialog = open_dialog(qtbot)
    retype(qtbot, dialog.base_url_edit, "api.example.com")
    save(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.error_label.text().startswith("The base URL must start with http://")
    assert not SettingsStore().path.exists()


@pytest.mark.parametrize("keyring_works", [True, False], ids=["keyring", "file"])
def test_the_key_goes_to_the_store_and_into_no_other_file(
    qtbot, maskpaint_home, caplog, keyring_works, request
):
    backend = request.getfixturevalue("memory_keyring") if keyring_works else None
    dialog = open_dialog(qtbot)
    retype(qtbot, dialog.key_edit, FAKE_KEY)
    assert dialog.key_edit.displayText() != FAKE_KEY  # bullets on screen
    assert FAKE_KEY not in repr(dialog.client_config())
    save(qtbot, dialog)
    store = SettingsStore()
    assert store.api_key() == FAKE_KEY
    leaks = files_containing(maskpaint_home, FAKE_KEY)
    if backend is not None:
        assert backend.entries == {("maskpaint", "api-key"): FAKE_KEY}
        assert leaks == []
    else:
        assert leaks == [store.key_path]
        assert store.key_path.stat().st_mode & 0o077 == 0
    assert (maskpaint_home / "settings.json").exists()
    assert FAKE_KEY not in caplog.text


def test_a_stored_key_is_never_shown(qtbot, memory_keyring):
    SettingsStore().set_api_key(FAKE_KEY)
    dialog = open_dialog(qtbot)
    assert dialog.key_edit.text() == ""
    assert dialog.key_edit.placeholderText() == "stored in keyring"
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Password
    shown = [w.text() + w.placeholderText() for w in dialog.findChildren(QLineEdit)]
    shown += [w.text() + w.toolTip() for w in dialog.findChildren(QLabel)]
    assert not any(FAKE_KEY in text for text in shown)
    save(qtbot, dialog)  # saving without typing keeps the stored key
    assert SettingsStore().api_key() == FAKE_KEY


def test_remove_stored_key_forgets_it_on_save(qtbot, memory_keyring):
    SettingsStore().set_api_key(FAKE_KEY)
    dialog = open_dialog(qtbot)
    qtbot.mouseClick(dialog.forget_key_button, Qt.MouseButton.LeftButton)
    assert "embedded server" in dialog.key_edit.placeholderText()
    assert not dialog.forget_key_button.isEnabled()
    save(qtbot, dialog)
    assert SettingsStore().api_key() is None
    assert memory_keyring.entries == {}


def test_connection_to_the_local_server_succeeds(qtbot, local_server):
    dialog = open_dialog(qtbot)
    retype(qtbot, dialog.base_url_edit, local_server.base_url)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog._test_job is None, timeout=20_000)
    text = dialog.test_label.text()
    assert text.startswith("Connected to 127.0.0.1: "), text
    assert "models listed (chatgpt-image-latest, dall-e-2, " in text
    assert dialog.test_button.isEnabled()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_to_a_closed_port_fails_with_a_plain_message(qtbot):
    dialog = open_dialog(qtbot)
    retype(qtbot, dialog.base_url_edit, f"http://127.0.0.1:{free_port()}/v1")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.test_button.isEnabled, timeout=10_000)
    assert dialog.test_label.text().startswith(
        "Could not connect to the server; check the base URL"
    )
    assert "color" in dialog.test_label.styleSheet()


def test_the_dialog_stays_live_while_a_test_hangs_and_closing_cancels_it(qtbot):
    silent = socket.socket()  # accepts connections, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        dialog = open_dialog(qtbot)
        retype(qtbot, dialog.base_url_edit, f"http://127.0.0.1:{silent.getsockname()[1]}/v1")
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        ticks: list[int] = []
        timer = QTimer(interval=10)
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start()
        qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=5000)  # the event loop runs
        assert dialog.test_label.text() == "Connecting to 127.0.0.1…"
        job = dialog._test_job
        assert job is not None and job.running
        done = threading.Event()
        job.finished.connect(done.set)
        dialog.reject()
        qtbot.waitUntil(done.is_set, timeout=5000)
        assert job.cancelled
    finally:
        silent.close()


def test_without_a_key_or_url_there_is_nothing_to_test(qtbot, monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    dialog = open_dialog(qtbot)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert "embedded local server" in dialog.test_label.text()
