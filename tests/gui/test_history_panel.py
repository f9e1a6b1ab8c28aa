"""The History panel over real runs written by core History in a tmp MASKPAINT_HOME."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox

from maskpaint.core.history import History
from maskpaint.gui.history_model import RunIdRole
from maskpaint.gui.history_panel import HistoryPanel
from tests.gui.history_runs import LOCAL_URL, clone_runs, finished_run, request

BIG_HISTORY = 10_000


@pytest.fixture
def history() -> Iterator[History]:
    store = History()  # under the test's own MASKPAINT_HOME
    yield store
    store.close()


@pytest.fixture
def runs(history: History) -> dict[str, str]:
    """Three runs, oldest first: a finished one, a lighthouse, and one that failed."""
    cup = finished_run(history, "a glass of orange juice\ninstead of the cup", [(20, 40, 230)])
    lighthouse = finished_run(history, "a red lighthouse at dusk", [(20, 200, 60)])
    failed = history.start_run(request("a blue door"), base_url=LOCAL_URL)
    failed.fail(user_message="The API key was refused; open Settings to check it.", status=401)
    return {"cup": cup.run_id, "lighthouse": lighthouse.run_id, "failed": failed.run_id}


@pytest.fixture
def panel(qtbot, history: History, runs: dict[str, str]) -> HistoryPanel:
    widget = HistoryPanel(history)
    qtbot.addWidget(widget)
    widget.resize(420, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def rows(panel: HistoryPanel) -> list[str]:
    model = panel.model
    return [model.index(row).data() for row in range(model.rowCount())]


def test_runs_are_listed_newest_first_with_prompt_model_date_and_status(panel, runs):
    lines = [text.split("\n") for text in rows(panel)]
    assert [first for first, _ in lines] == [
        "a blue door",
        "a red lighthouse at dusk",
        "a glass of orange juice",
    ]
    assert "gpt-image-1" in lines[0][1]
    assert "error" in lines[0][1]
    assert "done" in lines[1][1] and "1 image" in lines[1][1]
    assert panel.model.index(0).data(RunIdRole) == runs["failed"]
    tooltip = panel.model.index(0).data(Qt.ItemDataRole.ToolTipRole)
    assert "API key was refused" in tooltip


def test_thumbnails_load_off_the_gui_thread_then_show_the_run_image(qtbot, panel):
    index = panel.model.index(1)  # the lighthouse: its first variant is green
    first: QPixmap = index.data(Qt.ItemDataRole.DecorationRole)
    assert first.cacheKey() == panel.model.thumbnails.placeholder.cacheKey()
    qtbot.waitUntil(lambda: not panel.model.thumbnails.busy(), timeout=20000)
    thumb: QPixmap = index.data(Qt.ItemDataRole.DecorationRole)
    color = thumb.toImage().pixelColor(thumb.width() // 2, thumb.height() // 2)
    assert abs(color.green() - 200) < 12 and color.red() < 40


def test_search_filters_by_prompt_once_typing_stops(qtbot, panel, runs):
    qtbot.keyClicks(panel.search, "lighthouse")
    assert panel.model.rowCount() == 3  # debounced: nothing searched yet
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=3000)
    assert panel.model.index(0).data(RunIdRole) == runs["lighthouse"]
    panel.search.clear()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=3000)
    qtbot.keyClicks(panel.search, "submarine")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0, timeout=3000)
    assert panel.status.text() == "No run matches this search."


def test_double_click_opens_the_run(qtbot, panel, runs):
    rect = panel.list.visualRect(panel.model.index(2))
    viewport = panel.list.viewport()
    with qtbot.waitSignal(panel.open_run, timeout=2000) as opened:
        # A real double-click: the first click's press and release, then the second press.
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [runs["cup"]]


def test_enter_opens_the_selected_run(qtbot, panel, runs):
    panel.list.setFocus()
    panel.list.setCurrentIndex(panel.model.index(1))
    with qtbot.waitSignal(panel.open_run) as opened:
        qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert opened.args == [runs["lighthouse"]]


def test_restore_sends_the_selected_run_to_the_canvas(qtbot, panel, runs):
    assert not panel.restore_button.isEnabled()
    panel.list.setCurrentIndex(panel.model.index(2))
    with qtbot.waitSignal(panel.restore_run) as restored:
        qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    assert restored.args == [runs["cup"]]


def answer_next_dialog(button: QMessageBox.StandardButton) -> None:
    """Press `button` in the confirmation box as soon as it opens (a real modal dialog)."""

    def press() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            box.button(button).click()
        else:
            QTimer.singleShot(10, press)

    QTimer.singleShot(0, press)


def test_delete_asks_first_and_then_removes_the_run_folder(qtbot, panel, history, runs):
    folder = history.root / runs["cup"]
    panel.list.setCurrentIndex(panel.model.index(2))
    answer_next_dialog(QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert folder.is_dir() and panel.model.rowCount() == 3
    answer_next_dialog(QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(panel.deleted) as deleted:
        qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert deleted.args == [runs["cup"]]
    assert not folder.exists()
    assert [text.split("\n")[0] for text in rows(panel)] == [
        "a blue door",
        "a red lighthouse at dusk",
    ]
    assert [s.run_id for s in history.runs()] == [runs["failed"], runs["lighthouse"]]


def test_refresh_shows_a_run_started_since_and_keeps_the_selection(panel, history, runs):
    panel.list.setCurrentIndex(panel.model.index(1))
    fresh = history.start_run(request("a kite in the sky"), base_url=LOCAL_URL)
    panel.refresh()
    assert rows(panel)[0].startswith("a kite in the sky\n")
    assert "running" in rows(panel)[0]
    assert panel.current_run_id() == runs["lighthouse"]
    fresh.finish()
    panel.refresh()
    assert "done" in rows(panel)[0]


@pytest.fixture(scope="session")
def big_history_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10,000 runs: one real run written by History, hard-linked into 10,000 folders."""
    template_home = tmp_path_factory.mktemp("template")
    template = History(template_home)
    run = finished_run(template, "a lighthouse, one of many", [(20, 200, 60)])
    template.close()
    root = tmp_path_factory.mktemp("big-history")
    clone_runs(run.path, root, BIG_HISTORY)
    return root


def test_ten_thousand_runs_load_a_page_at_a_time_as_the_list_scrolls(qtbot, big_history_root):
    history = History(big_history_root)
    panel = HistoryPanel(history)
    qtbot.addWidget(panel)
    panel.resize(420, 600)
    panel.show()
    qtbot.waitExposed(panel)
    model = panel.model
    assert model.rowCount() == 200
    assert model.canFetchMore()
    counts = [model.rowCount()]
    while model.canFetchMore():
        panel.list.scrollToBottom()
        qtbot.waitUntil(lambda: model.rowCount() > counts[-1] or not model.canFetchMore())
        counts.append(model.rowCount())
    assert counts[:3] == [200, 400, 600]
    assert counts[-1] == BIG_HISTORY
    assert model.index(BIG_HISTORY - 1).data(RunIdRole) == "20250101-000000-00000000"
    history.close()


def test_a_run_left_by_a_process_that_died_shows_as_interrupted(qtbot, history, maskpaint_home):
    # A real other process starts a run and exits without finishing it, as a crash would.
    script = (
        "from maskpaint.core.history import History\n"
        "from tests.gui.history_runs import request\n"
        "History().start_run(request('a boat on a lake'), base_url='http://127.0.0.1:1/v1')\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", script], cwd=root, check=True, timeout=60)
    history.rebuild_index()
    panel = HistoryPanel(history)
    qtbot.addWidget(panel)
    first, facts = panel.model.index(0).data().split("\n")
    assert first == "a boat on a lake"
    assert "interrupted" in facts
