"""The Settings dialog over core.settings.SettingsStore: endpoint, key, account, timeouts.

The key field never shows a stored key: it is empty with a placeholder saying where the
key is kept, and only a key the user types replaces it. A screenshot shows bullets at
most. "Test connection" lists the endpoint's models on the worker, never on the GUI
thread, and shows the answer or the error's plain message.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from maskpaint.core.api import CancelToken, ImageEditClient
from maskpaint.core.api_config import OPENAI_BASE_URL, ClientConfig
from maskpaint.core.errors import MaskpaintError
from maskpaint.core.models import known_models
from maskpaint.core.paths import data_home
from maskpaint.core.settings import Settings, SettingsError, SettingsStore
from maskpaint.gui.panel_controls import colour
from maskpaint.gui.worker import Job, JobContext, run_in_background

log = logging.getLogger(__name__)

#: Base URL presets: label -> URL. None is "no URL": the embedded server until a key is
#: stored (then OpenAI, or OPENAI_BASE_URL), which is how core.settings reads it.
PRESETS: dict[str, str | None] = {
    "Embedded local server (while no API key is stored)": None,
    "OpenAI": OPENAI_BASE_URL,
}
CUSTOM_PRESET = "Other gateway…"
PROVIDERS = {"OpenAI": "openai", "Azure OpenAI": "azure"}
STORAGE_TEXT = {
    "keyring": "The key is kept in your system's keyring.",
    "file": "No keyring works here: the key is kept in a file only you can read.",
}
STORED_PLACEHOLDER = {"keyring": "stored in keyring", "file": "stored in a private file"}


def list_models(config: ClientConfig, context: JobContext) -> list[str]:
    """The worker side of Test connection; cancelling the job closes the request."""
    token = CancelToken()
    context.on_cancel(token.cancel)
    with ImageEditClient(config) as client:
        return client.list_models(cancel=token)


class SettingsDialog(QDialog):
    """Edit and save Settings and the API key; `settings_saved(Settings)` after Save."""

    settings_saved = Signal(object)

    def __init__(self, store: SettingsStore | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._store = store if store is not None else SettingsStore()
        self._storage = self._store.key_storage()
        self._has_stored_key = self._store.api_key() is not None
        self._forget_key = False
        self._test_job: Job[list[str]] | None = None
        self._tested_host = ""
        self._build()
        self._show(self._store.load())

    # -- building -------------------------------------------------------------------

    def _build(self) -> None:
        form = QFormLayout()
        self.preset_combo = QComboBox()
        self.preset_combo.addItems([*PRESETS, CUSTOM_PRESET])
        self.preset_combo.activated.connect(self._preset_chosen)
        self.base_url_edit = QLineEdit(placeholderText="https://gateway.example.com/v1")
        self.base_url_edit.textEdited.connect(self._url_edited)
        form.addRow("Server", self.preset_combo)
        form.addRow("Base URL", self.base_url_edit)
        self.provider_combo = QComboBox()
        for label, value in PROVIDERS.items():
            self.provider_combo.addItem(label, value)
        self.provider_combo.currentIndexChanged.connect(self._update_enabled)
        self.deployment_edit = QLineEdit(placeholderText="the deployment name")
        self.api_version_edit = QLineEdit(placeholderText="e.g. 2025-04-01-preview")
        form.addRow("Provider", self.provider_combo)
        form.addRow("Azure deployment", self.deployment_edit)
        form.addRow("Azure api-version", self.api_version_edit)

        self.key_edit = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.key_edit.textEdited.connect(self._key_edited)
        self.forget_key_button = QPushButton("Remove stored key")
        self.forget_key_button.clicked.connect(self._forget)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.forget_key_button)
        self.storage_label = QLabel(STORAGE_TEXT[self._storage], wordWrap=True)
        form.addRow("API key", key_row)
        form.addRow("", self.storage_label)
        self.organization_edit = QLineEdit(placeholderText="not sent")
        self.project_edit = QLineEdit(placeholderText="not sent")
        form.addRow("Organization", self.organization_edit)
        form.addRow("Project", self.project_edit)

        self.model_combo = QComboBox(editable=True)
        self.model_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_combo.addItems([spec.name for spec in known_models()])
        form.addRow("Default model", self.model_combo)
        self.connect_timeout_spin = self._seconds(1, 300)
        self.total_timeout_spin = self._seconds(10, 3600)
        form.addRow("Connect timeout", self.connect_timeout_spin)
        form.addRow("Total timeout", self.total_timeout_spin)
        self.data_folder_edit = QLineEdit(placeholderText=str(data_home()))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.data_folder_edit, 1)
        folder_row.addWidget(browse)
        form.addRow("Data folder", folder_row)
        self.parallel_check = QCheckBox(
            "Send n as parallel requests (for gateways that return one)"
        )
        self.parallel_check.toggled.connect(self._update_enabled)
        self.max_parallel_spin = QSpinBox(minimum=1, maximum=16)
        form.addRow("", self.parallel_check)
        form.addRow("At most in parallel", self.max_parallel_spin)

        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_label = QLabel(wordWrap=True)
        self.error_label = QLabel(wordWrap=True)
        self.error_label.setStyleSheet(f"color: {colour('problem').name()}")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(test_row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    @staticmethod
    def _seconds(low: float, high: float) -> QDoubleSpinBox:
        return QDoubleSpinBox(minimum=low, maximum=high, decimals=0, suffix=" s")

    def _show(self, settings: Settings) -> None:
        url = settings.base_url
        labels = [label for label, value in PRESETS.items() if value == url]
        self.preset_combo.setCurrentText(labels[0] if labels else CUSTOM_PRESET)
        self.base_url_edit.setText(url or "")
        self.provider_combo.setCurrentIndex(self.provider_combo.findData(settings.provider))
        self.deployment_edit.setText(settings.azure_deployment or "")
        self.api_version_edit.setText(settings.azure_api_version or "")
        self.organization_edit.setText(settings.organization or "")
        self.project_edit.setText(settings.project or "")
        self.model_combo.setCurrentText(settings.default_model)
        self.connect_timeout_spin.setValue(settings.connect_timeout)
        self.total_timeout_spin.setValue(settings.total_timeout)
        self.data_folder_edit.setText(settings.data_folder or "")
        self.parallel_check.setChecked(settings.n_as_parallel_requests)
        self.max_parallel_spin.setValue(settings.max_parallel)
        self._show_key_state()
        self._update_enabled()

    # -- reacting -------------------------------------------------------------------

    def _preset_chosen(self) -> None:
        label = self.preset_combo.currentText()
        if label in PRESETS:
            self.base_url_edit.setText(PRESETS[label] or "")

    def _url_edited(self, text: str) -> None:
        labels = [label for label, value in PRESETS.items() if (value or "") == text.strip()]
        self.preset_combo.setCurrentText(labels[0] if labels else CUSTOM_PRESET)

    def _key_edited(self) -> None:
        self._forget_key = False
        self._show_key_state()

    def _forget(self) -> None:
        self._forget_key = True
        self.key_edit.clear()
        self._show_key_state()

    def _show_key_state(self) -> None:
        stored = self._has_stored_key and not self._forget_key
        self.key_edit.setPlaceholderText(
            STORED_PLACEHOLDER[self._storage] if stored else "no key: the embedded server is used"
        )
        self.forget_key_button.setEnabled(stored)

    def _update_enabled(self) -> None:
        azure = self.provider_combo.currentData() == "azure"
        self.deployment_edit.setEnabled(azure)
        self.api_version_edit.setEnabled(azure)
        self.max_parallel_spin.setEnabled(self.parallel_check.isChecked())

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Data folder", self.data_folder_edit.text())
        if folder:
            self.data_folder_edit.setText(folder)

    # -- values ---------------------------------------------------------------------

    def settings(self) -> Settings:
        """The Settings the fields describe; SettingsError names what is wrong."""

        def text(edit: QLineEdit) -> str | None:
            return edit.text().strip() or None

        azure = self.provider_combo.currentData() == "azure"
        if azure and not (text(self.deployment_edit) and text(self.base_url_edit)):
            raise SettingsError(
                "Azure needs the resource's base URL and a deployment name; fill in both."
            )
        return Settings(
            base_url=text(self.base_url_edit),
            organization=text(self.organization_edit),
            project=text(self.project_edit),
            default_model=self.model_combo.currentText().strip(),
            connect_timeout=self.connect_timeout_spin.value(),
            total_timeout=self.total_timeout_spin.value(),
            data_folder=text(self.data_folder_edit),
            n_as_parallel_requests=self.parallel_check.isChecked(),
            max_parallel=self.max_parallel_spin.value(),
            provider=self.provider_combo.currentData(),
            azure_deployment=text(self.deployment_edit) if azure else None,
            azure_api_version=text(self.api_version_edit) if azure else None,
        )

    def _key(self) -> str | None:
        """The key a test or a request would use: the one typed in, else the stored one."""
        typed = self.key_edit.text().strip()
        if typed:
            return typed
        return None if self._forget_key else self._store.api_key()

    def client_config(self) -> ClientConfig:
        """The endpoint the fields describe, as the client takes it (environment included)."""
        settings = self.settings()
        # max_retries=0: a test should answer now, not after backing off.
        return settings.client_config(self._key(), max_retries=0)

    def accept(self) -> None:
        """Save, or keep the dialog open and say what to correct."""
        try:
            settings = self.settings()
            self._store.save(settings)
            typed = self.key_edit.text().strip()
            if typed or self._forget_key:
                self._store.set_api_key(typed or None)
        except SettingsError as error:
            self.error_label.setText(error.user_message)
            return
        self.key_edit.clear()
        self.settings_saved.emit(settings)
        super().accept()

    def done(self, result: int) -> None:
        if self._test_job is not None:
            self._test_job.cancel()
        super().done(result)

    # -- test connection ------------------------------------------------------------

    def test_connection(self) -> None:
        """List the endpoint's models on the worker; the dialog stays live meanwhile."""
        try:
            config = self.client_config()
        except SettingsError as error:
            self._show_test(error.user_message, ok=False)
            return
        if not config.is_configured:
            self._show_test(
                "No API key is stored, so maskpaint uses its embedded local server; "
                "there is nothing to test.",
                ok=True,
            )
            return
        host = urlsplit(config.base_url).hostname or config.base_url
        self._tested_host = host
        self.test_button.setEnabled(False)
        self._show_test(f"Connecting to {host}…", ok=True)
        self._test_job = run_in_background(
            lambda context: list_models(config, context),
            name="test connection",
            network=True,
            on_success=self._tested,
            on_failure=self._test_failed,
            on_finished=self._test_finished,
        )

    def _tested(self, models: list[str]) -> None:
        sample = ", ".join(sorted(models)[:4]) + (", …" if len(models) > 4 else "")
        listed = f"{len(models)} models listed ({sample})" if models else "no models listed"
        self._show_test(f"Connected to {self._tested_host}: {listed}.", ok=True)

    def _test_failed(self, error: BaseException) -> None:
        if not isinstance(error, MaskpaintError):
            log.error("test connection failed unexpectedly", exc_info=error)
        message = (
            error.user_message
            if isinstance(error, MaskpaintError)
            else "The test failed unexpectedly; see the log file for details."
        )
        self._show_test(message, ok=False)

    def _test_finished(self) -> None:
        self._test_job = None
        self.test_button.setEnabled(True)

    def _show_test(self, text: str, *, ok: bool) -> None:
        self.test_label.setText(text)
        self.test_label.setStyleSheet("" if ok else f"color: {colour('problem').name()}")
