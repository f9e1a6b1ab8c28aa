"""Issue 6 part 4 in the main window: Save / Open session, bad files, autosave, unseen runs,
and the restore offer for a session a dead process left behind."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from maskpaint.core import paths
from maskpaint.core.session import load_session, save_session
from maskpaint.core.settings import Settings, SettingsStore
from maskpaint.gui.generation_ui import CANVAS_TAB, VARIANTS_TAB
from maskpaint.gui.main_window import MainWindow
from maskpaint.gui.sessions import AUTOSAVE_MS
from tests.gui.session_support import (
    PROMPT,
    add_reference,
    choose,
    document_pixels,
    paint_soft_mask,
    pixels,
    wait_sessions,
)


@pytest.fixture(autouse=True)
def no_openai_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)


def make_window(qtbot, image: Path, base_url: str | None = None) -> MainWindow:
    if base_url is not None:
        SettingsStore().save(Settings(base_url=base_url))
    window = MainWindow(image)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def app(qtbot, coffee_path, local_server) -> Iterator[MainWindow]:
    window = make_window(qtbot, coffee_path, local_server.base_url)
    yield window
    window.generation.controller.cancel_all()
    qtbot.waitUntil(lambda: window.generation.controller.running == 0, timeout=10000)
    wait_sessions(qtbot, window)


def generate(qtbot, window: MainWindow) -> str:
    """Generate as Ctrl+Enter does; the new run's id once it is done."""
    controller = window.generation.controller
    started: list[str] = []
    controller.run_started.connect(lambda run_id, _opened: started.append(run_id))
    window.generation.generate_action.trigger()
    qtbot.waitUntil(lambda: controller.running == 0 and bool(started), timeout=30000)
    qtbot.waitUntil(lambda: not window.generation.variants.busy(), timeout=30000)
    return started[0]


def open_session(qtbot, window: MainWindow, path: Path) -> None:
    window.open_path(path)
    wait_sessions(qtbot, window)


# ----- save and open -------------------------------------------------------------------


def test_save_session_then_open_session_restores_exactly(qtbot, app, samples_dir, tmp_path):
    coffee = document_pixels(app)
    coverage = paint_soft_mask(app)
    choose(app, model="gpt-image-1", n=3, quality="high", background="opaque", size="1024x1024")
    chelsea = samples_dir / "chelsea.png"
    add_reference(qtbot, app, chelsea)
    chosen = app.generation.panel.options()
    path = tmp_path / "boat.maskpaint"
    app.sessions.save_to(path)
    wait_sessions(qtbot, app)
    assert path.is_file() and app.windowTitle().startswith("boat.maskpaint — coffee.png")

    app.open_path(samples_dir / "rocket.jpg")  # something else entirely
    choose(app, prompt="another idea", n=1, quality="low", reference_paths=())
    open_session(qtbot, app, path)

    assert np.array_equal(document_pixels(app), coffee)
    assert np.array_equal(app.document.mask.coverage, coverage)
    panel = app.generation.panel
    qtbot.waitUntil(lambda: panel.references.loading == 0, timeout=10000)
    assert panel.options() == chosen  # prompt, model, n, quality, ... and the reference file
    assert [ref.data for ref in panel.reference_files()] == [chelsea.read_bytes()]
    assert app.sessions.path == path
    assert not app.isWindowModified()
    assert str(path.resolve()) == app.recent_files()[0]


def test_a_session_keeps_the_photo_file_bytes_and_references_survive_their_file(
    qtbot, app, samples_dir, tmp_path
):
    photo = tmp_path / "rocket.jpg"
    photo.write_bytes((samples_dir / "rocket.jpg").read_bytes())
    reference = tmp_path / "cat.png"
    reference.write_bytes((samples_dir / "chelsea.png").read_bytes())
    app.open_path(photo)
    add_reference(qtbot, app, reference)
    path = tmp_path / "rocket.maskpaint"
    app.sessions.save_to(path)
    wait_sessions(qtbot, app)
    state = load_session(path)
    assert state.image == photo.read_bytes() and state.image_format == "JPEG"

    reference.unlink()  # the session carries a copy
    open_session(qtbot, app, path)
    panel = app.generation.panel
    qtbot.waitUntil(lambda: panel.references.loading == 0, timeout=10000)
    assert [ref.data for ref in panel.reference_files()] == [state.references[0].data]
    assert Path(panel.options().reference_paths[0]).is_relative_to(paths.data_home())
    assert np.array_equal(document_pixels(app), pixels(photo))


def test_session_reopens_its_runs_in_the_variants_view(qtbot, app, coffee_path, tmp_path):
    paint_soft_mask(app)
    choose(app)
    run_id = generate(qtbot, app)
    path = tmp_path / "runs.maskpaint"
    app.sessions.save_to(path)
    wait_sessions(qtbot, app)
    assert load_session(path).runs == (run_id,)

    other = make_window(qtbot, coffee_path)
    open_session(qtbot, other, path)
    assert other.sessions.runs == [run_id]
    page = other.generation.variants.pages[run_id]
    qtbot.waitUntil(lambda: page.tile(0).current_image() is not None, timeout=10000)
    variant = app.generation.history.get(run_id).variants[0]
    assert page.tile(0).current_data() == variant.read_bytes()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"this is not a zip", "is not a maskpaint session"),
        (b"PK\x03\x04 truncated zip", "is not a maskpaint session"),
    ],
)
def test_a_bad_session_file_shows_the_message_and_keeps_the_document(
    qtbot, app, tmp_path, content, says
):
    coverage = paint_soft_mask(app)
    choose(app)
    image = app.document.image
    bad = tmp_path / "broken.maskpaint"
    bad.write_bytes(content)
    open_session(qtbot, app, bad)
    assert says in app.banner.text() and "broken.maskpaint" in app.banner.text()
    assert app.banner.isVisible()
    assert app.document.image is image
    assert np.array_equal(app.document.mask.coverage, coverage)
    assert app.generation.panel.options().prompt == PROMPT
    assert app.sessions.path is None


def test_a_damaged_part_inside_a_session_is_named_in_the_message(qtbot, app, tmp_path):
    path = tmp_path / "good.maskpaint"
    app.sessions.save_to(path)
    wait_sessions(qtbot, app)
    damaged = tmp_path / "damaged.maskpaint"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, b"not a png" if item.filename == "mask.png" else data)
    open_session(qtbot, app, damaged)
    assert "damaged.maskpaint is damaged (mask.png cannot be decoded)" in app.banner.text()


def test_ctrl_s_saves_to_the_current_session_file(qtbot, app, tmp_path):
    path = tmp_path / "work.maskpaint"
    app.sessions.save_to(path)
    wait_sessions(qtbot, app)
    coverage = paint_soft_mask(app)
    assert app.isWindowModified()
    app.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is app, timeout=5000)
    qtbot.keyClick(app.canvas, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_sessions(qtbot, app)
    assert np.array_equal(load_session(path).coverage, coverage)
    assert not app.isWindowModified()


def test_save_as_asks_for_a_name_and_adds_the_suffix(qtbot, app, tmp_path, monkeypatch):
    target = tmp_path / "chosen"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *args: (str(target), ""))
    )
    choose(app, prompt="saved as")
    app.sessions.save_as_action.trigger()
    wait_sessions(qtbot, app)
    assert load_session(tmp_path / "chosen.maskpaint").prompt == "saved as"
    assert app.windowTitle().startswith("chosen.maskpaint — ")


def test_prompt_edits_mark_a_saved_session_modified(qtbot, app, tmp_path):
    app.sessions.save_to(tmp_path / "s.maskpaint")
    wait_sessions(qtbot, app)
    assert not app.isWindowModified()
    app.generation.panel.prompt_edit.setPlainText("changed")
    assert app.isWindowModified()


def test_dropping_and_the_command_line_open_a_session(qtbot, app, coffee_path, tmp_path):
    coverage = paint_soft_mask(app)
    path = tmp_path / "dropped.maskpaint"
    app.sessions.save_to(path)
    wait_sessions(qtbot, app)

    other = make_window(qtbot, coffee_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    actions, button = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton
    enter = QDragEnterEvent(QPoint(5, 5), actions, mime, button, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(other, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(5, 5), actions, mime, button, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(other, drop)
    wait_sessions(qtbot, other)
    assert np.array_equal(other.document.mask.coverage, coverage)

    from_cli = make_window(qtbot, path)  # `maskpaint dropped.maskpaint`
    wait_sessions(qtbot, from_cli)
    assert np.array_equal(from_cli.document.mask.coverage, coverage)
    assert from_cli.windowTitle().startswith("dropped.maskpaint — coffee.png")


def test_opening_a_photo_leaves_the_session_file(qtbot, app, samples_dir, tmp_path):
    app.sessions.save_to(tmp_path / "s.maskpaint")
    wait_sessions(qtbot, app)
    app.open_path(samples_dir / "chelsea.png")
    assert app.sessions.path is None
    assert app.windowTitle().startswith("chelsea.png")


# ----- autosave --------------------------------------------------------------------------


def test_autosave_timer_writes_a_snapshot_only_after_a_change(qtbot, app):
    sessions = app.sessions
    assert sessions.timer.isActive() and sessions.timer.interval() == AUTOSAVE_MS == 30_000
    sessions.timer.timeout.emit()
    assert not sessions.busy and not sessions.recovery.snapshot_path.exists()  # nothing changed

    coverage = paint_soft_mask(app)
    choose(app)
    sessions.timer.timeout.emit()
    wait_sessions(qtbot, app)
    assert sessions.autosaves == 1
    state = load_session(sessions.recovery.snapshot_path)
    assert np.array_equal(state.coverage, coverage) and state.prompt == PROMPT

    sessions.timer.timeout.emit()  # no change since: no second write
    assert not sessions.busy and sessions.autosaves == 1


def test_generate_autosaves_with_the_new_run(qtbot, app):
    coverage = paint_soft_mask(app)
    choose(app)
    run_id = generate(qtbot, app)
    wait_sessions(qtbot, app)
    state = load_session(app.sessions.recovery.snapshot_path)
    assert state.runs == (run_id,) and state.prompt == PROMPT
    assert np.array_equal(state.coverage, coverage)


def test_a_clean_exit_leaves_nothing_to_restore(qtbot, app):
    paint_soft_mask(app)
    app.sessions.autosave()
    wait_sessions(qtbot, app)
    snapshot = app.sessions.recovery.snapshot_path
    assert snapshot.exists()
    app.close()
    assert not snapshot.exists()
    assert app.sessions.recovery.pending() == []


# ----- unseen variants -------------------------------------------------------------------


def test_variants_arriving_while_the_canvas_shows_are_unseen_until_shown(qtbot, app):
    tabs = app.generation.tabs
    # The designer goes back to the canvas as soon as the run starts.
    app.generation.controller.run_started.connect(lambda *_: tabs.setCurrentIndex(CANVAS_TAB))
    paint_soft_mask(app)
    choose(app)
    run_id = generate(qtbot, app)
    assert app.sessions.unseen.ids == (run_id,)
    wait_sessions(qtbot, app)
    assert load_session(app.sessions.recovery.snapshot_path).unseen == (run_id,)

    tabs.setCurrentIndex(VARIANTS_TAB)
    assert app.sessions.unseen.ids == ()


def test_variants_shown_as_they_arrive_are_seen(qtbot, app):
    paint_soft_mask(app)
    choose(app)
    generate(qtbot, app)
    assert app.generation.tabs.currentIndex() == VARIANTS_TAB
    assert app.sessions.unseen.ids == ()


# ----- the restore offer -------------------------------------------------------------


def leave_dead_session(window: MainWindow, tmp_path: Path) -> tuple[Path, np.ndarray]:
    """A snapshot whose process is gone (no lock left): what a crash leaves behind."""
    coverage = paint_soft_mask(window)
    choose(window)
    state = window.sessions.capture().state()
    snapshot = paths.recovery_dir() / "999999-deadbeef.maskpaint"
    save_session(snapshot, state)
    return snapshot, coverage


def test_restore_offer_restores_a_dead_session(qtbot, app, coffee_path, tmp_path):
    snapshot, coverage = leave_dead_session(app, tmp_path)
    again = make_window(qtbot, coffee_path)
    bar = again.sessions.bar
    assert bar.isVisible() and "coffee.png" in bar.label.text() and PROMPT in bar.label.text()
    assert not app.sessions.bar.isVisible()  # a live window's slot is never offered
    qtbot.mouseClick(bar.restore_button, Qt.MouseButton.LeftButton)
    wait_sessions(qtbot, again)
    assert np.array_equal(again.document.mask.coverage, coverage)
    assert again.generation.panel.options().prompt == PROMPT
    # The dead snapshot goes once this window's own autosave holds the restored work.
    assert not bar.isVisible() and not snapshot.exists()
    mine = load_session(again.sessions.recovery.snapshot_path)
    assert np.array_equal(mine.coverage, coverage) and mine.prompt == PROMPT


def test_discard_deletes_the_dead_session(qtbot, app, coffee_path, tmp_path):
    snapshot, _ = leave_dead_session(app, tmp_path)
    again = make_window(qtbot, coffee_path)
    qtbot.mouseClick(again.sessions.bar.discard_button, Qt.MouseButton.LeftButton)
    assert not snapshot.exists() and not again.sessions.bar.isVisible()
    assert not again.document.mask.coverage.any()


def test_a_damaged_snapshot_says_so_and_stays_offered(qtbot, app, coffee_path, tmp_path):
    snapshot, _ = leave_dead_session(app, tmp_path)
    data = {}
    with zipfile.ZipFile(snapshot) as archive:
        data = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(snapshot, "w") as archive:
        for name, content in data.items():
            archive.writestr(name, b"garbage" if name.startswith("image.") else content)
    again = make_window(qtbot, coffee_path)
    bar = again.sessions.bar
    qtbot.mouseClick(bar.restore_button, Qt.MouseButton.LeftButton)
    wait_sessions(qtbot, again)
    assert "is damaged (its photo cannot be decoded)" in again.banner.text()
    assert bar.isVisible() and bar.restore_button.isEnabled() and snapshot.exists()
    assert not again.document.mask.coverage.any()
