"""The SQLite index: newest-first listing, full-text search, and rebuilding from the folders."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from maskpaint.core import history_index
from maskpaint.core.history import History, HistoryError
from maskpaint.core.history_index import SCHEMA_VERSION, HistoryIndex, fts_query
from tests.core.history_helpers import LOCAL_URL, encode, make_request

PROMPTS = (
    "a red lighthouse at dusk",
    "replace the blue car with a bicycle",
    "Crème brûlée on a white plate",
    "remove the lighthouse keeper",
    "add snow to the mountains",
)


@pytest.fixture
def history() -> History:
    """Five runs in every state: done, error, cancelled, running, done with 2 variants."""
    history = History()
    for i, prompt in enumerate(PROMPTS):
        run = history.start_run(make_request(prompt), base_url=LOCAL_URL)
        if i != 1:
            run.add_variant(0, encode((i * 40, 0, 0)), "png")
        if i in (0, 4):
            run.finish(usage={"total_tokens": 100})
        elif i == 1:
            run.fail(user_message="Rate limited; try again in a minute.", status=429)
        elif i == 2:
            run.fail(user_message="Cancelled.", cancelled=True)
    run.add_variant(1, encode((1, 1, 1)), "png")  # the last run gets a second variant
    return history


def prompts(summaries) -> list[str]:
    return [summary.prompt for summary in summaries]


def test_runs_are_listed_newest_first(history):
    summaries = history.runs()
    assert prompts(summaries) == list(reversed(PROMPTS))
    assert [s.status for s in summaries] == ["done", "running", "cancelled", "error", "done"]
    assert [s.n_variants for s in summaries] == [2, 1, 1, 0, 1]
    assert summaries[0].created > summaries[-1].created


def test_limit_and_offset_page_through_the_runs(history):
    assert prompts(history.runs(limit=2)) == [PROMPTS[4], PROMPTS[3]]
    assert prompts(history.runs(limit=2, offset=2)) == [PROMPTS[2], PROMPTS[1]]
    assert prompts(history.runs(limit=2, offset=4)) == [PROMPTS[0]]


def test_search_finds_prompts_by_words_and_word_starts(history):
    assert prompts(history.runs(query="lighthouse")) == [PROMPTS[3], PROMPTS[0]]
    assert prompts(history.runs(query="light")) == [PROMPTS[3], PROMPTS[0]]
    assert prompts(history.runs(query="red lighthouse")) == [PROMPTS[0]]
    assert prompts(history.runs(query="LIGHTHOUSE keeper")) == [PROMPTS[3]]
    assert prompts(history.runs(query="submarine")) == []


def test_search_ignores_accents_and_punctuation(history):
    assert prompts(history.runs(query="creme brulee")) == [PROMPTS[2]]
    assert prompts(history.runs(query='"car" -bicycle: (')) == [PROMPTS[1]]
    assert len(history.runs(query="  ")) == len(PROMPTS)
    assert len(history.runs(query="!!")) == len(PROMPTS)


def test_fts_query_quotes_every_word():
    assert fts_query('red "car" OR -x*') == '"red"* "car"* "OR"* "x"*'
    assert fts_query("...") is None


def test_rebuild_from_the_files_equals_the_live_index(history):
    live, found = history.runs(), history.runs(query="lighthouse")

    assert history.rebuild_index() == len(PROMPTS)

    assert history.runs() == live
    assert history.runs(query="lighthouse") == found


def test_a_deleted_index_is_rebuilt_on_open(history):
    live = history.runs()
    history.close()
    (history.root / "index.sqlite3").unlink()

    assert History().runs() == live


def test_a_corrupt_index_is_rebuilt_on_open(history):
    live = history.runs()
    history.close()
    for suffix in ("-wal", "-shm"):
        (history.root / f"index.sqlite3{suffix}").unlink(missing_ok=True)
    (history.root / "index.sqlite3").write_bytes(b"this is not a database" * 100)

    assert History().runs() == live


def test_an_index_broken_while_open_is_rebuilt_on_the_next_listing(history):
    live = history.runs()
    with sqlite3.connect(history.root / "index.sqlite3") as other:
        other.execute("DROP TABLE runs_fts")
        other.execute("DROP TABLE runs")

    assert history.runs() == live
    assert prompts(history.runs(query="snow")) == [PROMPTS[4]]


def test_an_index_of_an_older_schema_is_rebuilt(history):
    live = history.runs()
    history.close()
    with sqlite3.connect(history.root / "index.sqlite3") as old:
        old.execute("UPDATE runs SET prompt = 'stale'")
        old.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")

    reopened = History()

    assert reopened.runs() == live
    index = HistoryIndex(reopened.root / "index.sqlite3")
    assert index.fresh is False
    index.close()


def test_an_index_write_failure_never_fails_the_run(monkeypatch):
    history = History()

    def locked(self, row):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(HistoryIndex, "upsert", locked)
    run = history.start_run(make_request("written anyway"), base_url=LOCAL_URL)
    run.add_variant(0, encode((3, 3, 3)), "png")
    run.finish()
    monkeypatch.undo()

    [summary] = history.runs()
    assert (summary.run_id, summary.status, summary.n_variants) == (run.run_id, "done", 1)


def test_run_folders_added_or_removed_while_closed_are_noticed(history):
    summaries = history.runs()
    history.close()
    copy = history.root / "20200101-120000-abcdef"
    shutil.copytree(summaries[0].path, copy)
    shutil.rmtree(summaries[-1].path)

    ids = [summary.run_id for summary in History().runs()]

    assert copy.name in ids
    assert len(ids) == len(PROMPTS)


def test_foreign_files_in_the_history_folder_are_ignored(history):
    (history.root / "notes.txt").write_text("mine")
    (history.root / "20200101-120000-abcdef").mkdir()  # a run folder without request.json
    assert history.rebuild_index() == len(PROMPTS)


def test_an_index_locked_by_another_process_is_reported_not_thrown_away(monkeypatch):
    monkeypatch.setattr(history_index, "BUSY_TIMEOUT", 0.05)
    history = History()
    history.start_run(make_request("still here"), base_url=LOCAL_URL)
    other = sqlite3.connect(history.root / "index.sqlite3", isolation_level=None)
    # A row no folder backs: it survives only as long as nobody rebuilds the index.
    other.execute(
        "INSERT INTO runs (id, created, prompt, model, status, n_variants) "
        "VALUES ('20000101-000000-aaaaaa', '2000-01-01T00:00:00+00:00', 'marker', 'm', 'done', 0)"
    )
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(HistoryError, match="busy"):
            history.rebuild_index()
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert prompts(history.runs()) == ["still here", "marker"]
