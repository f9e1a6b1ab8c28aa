"""Autosave and crash recovery: a SIGKILLed app's session comes back, a live one's never does."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psutil
import pytest
from PIL import Image

from maskpaint.core import paths
from maskpaint.core.recovery import RecoverableSession, Recovery, RecoveryError, UnseenRun
from maskpaint.core.session import SessionState, load_session, save_session
from tests.core.crash_child import VARIANT_COLOR, painted_coverage

CHILD = Path(__file__).with_name("crash_child.py")

StartChild = Callable[[str], tuple[subprocess.Popen[str], str]]


@pytest.fixture
def start_child(coffee_path: Path) -> Iterator[StartChild]:
    """Start crash_child.py (same MASKPAINT_HOME); wait for "ready"; kill leftovers at the end."""
    children: list[subprocess.Popen[str]] = []

    def start(prompt: str) -> tuple[subprocess.Popen[str], str]:
        child = subprocess.Popen(
            [sys.executable, str(CHILD), str(coffee_path), prompt],
            stdout=subprocess.PIPE,
            text=True,
        )
        children.append(child)
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("ready "), f"the child did not get ready (exit {child.poll()})"
        return child, line.split()[1]

    yield start
    for child in children:
        if child.poll() is None:
            child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()


def sigkill(child: subprocess.Popen[str]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL


def state_for(photo: Path, prompt: str = "a blue mug", **changes: object) -> SessionState:
    fields: dict[str, object] = {
        "image": photo.read_bytes(),
        "image_name": photo.name,
        "image_format": "PNG",
        "coverage": painted_coverage(600, 400),
        "prompt": prompt,
    }
    fields.update(changes)
    return SessionState(**fields)  # type: ignore[arg-type]


def leave_crashed_snapshot(
    state: SessionState, *, slot: str, pid: int, started: float, host: str | None = None
) -> Path:
    """What a crashed app leaves: a lock naming its process, and its last snapshot."""
    root = paths.recovery_dir()
    root.mkdir(parents=True, exist_ok=True)
    owner = {"pid": pid, "started": started, "host": host or socket.gethostname()}
    (root / f"{slot}.lock").write_text(json.dumps(owner))
    snapshot = root / f"{slot}.maskpaint"
    save_session(snapshot, state)
    return snapshot


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def recovery_files() -> list[str]:
    return sorted(os.listdir(paths.recovery_dir()))


# -- the crash test ----------------------------------------------------------------------


def test_sigkilled_session_is_offered_and_restored_but_a_live_one_is_not(
    start_child: StartChild, coffee_path: Path
) -> None:
    crashed, crashed_run = start_child("replace the cup with a glass of orange juice")
    live, live_run = start_child("a live window's prompt")
    sigkill(crashed)

    offers = Recovery().pending()

    assert len(recovery_files()) == 4  # two locks, two snapshots: the live one is there
    assert [item.prompt_preview for item in offers] == [
        "replace the cup with a glass of orange juice"
    ]
    (item,) = offers
    assert item.image_name == "coffee.png"
    variant = paths.history_dir() / crashed_run / "variant-0.png"
    assert item.unseen == (UnseenRun(crashed_run, (variant,)),)
    with Image.open(variant) as image:
        assert image.getpixel((300, 200)) == VARIANT_COLOR

    state = Recovery().restore(item)
    assert state.image == coffee_path.read_bytes()
    assert np.array_equal(state.coverage, painted_coverage(600, 400))
    assert state.prompt == "replace the cup with a glass of orange juice"
    assert state.unseen == (crashed_run,)
    assert state.runs == (crashed_run,)
    assert live_run not in state.runs

    sigkill(live)
    prompts = [offer.prompt_preview for offer in Recovery().pending()]
    assert prompts == ["a live window's prompt", "replace the cup with a glass of orange juice"]


def test_clean_close_leaves_nothing_pending(coffee_path: Path) -> None:
    recovery = Recovery()
    recovery.claim()
    recovery.autosave(state_for(coffee_path))
    recovery.close()
    assert Recovery().pending() == []
    assert recovery_files() == []


# -- autosave ----------------------------------------------------------------------------


def test_autosave_keeps_one_snapshot_per_process_replaced_each_time(coffee_path: Path) -> None:
    recovery = Recovery()
    recovery.claim()
    first = recovery.autosave(state_for(coffee_path, "first"))
    second = recovery.autosave(state_for(coffee_path, "second"))
    assert first == second == recovery.snapshot_path
    assert [name for name in recovery_files() if name.endswith(".maskpaint")] == [first.name]
    assert load_session(second).prompt == "second"


def test_autosave_claims_when_the_app_forgot_to(coffee_path: Path) -> None:
    recovery = Recovery()
    recovery.autosave(state_for(coffee_path))
    assert sorted(Path(name).suffix for name in recovery_files()) == [".lock", ".maskpaint"]


def test_autosave_after_close_is_refused(coffee_path: Path) -> None:
    recovery = Recovery()
    recovery.claim()
    recovery.close()
    with pytest.raises(RecoveryError, match="Autosave was already stopped"):
        recovery.autosave(state_for(coffee_path))
    assert recovery_files() == []


def test_unwritable_recovery_folder_gives_one_sentence(tmp_path: Path, coffee_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(RecoveryError) as caught:
        Recovery(blocker / "recovery").autosave(state_for(coffee_path))
    assert caught.value.user_message.startswith(
        f"Could not write to the recovery folder {blocker / 'recovery'} ("
    )
    assert caught.value.user_message.endswith("autosave is off until it is writable.")


# -- which snapshots are offered ---------------------------------------------------------


def test_another_live_instance_in_this_process_is_not_offered(coffee_path: Path) -> None:
    other = Recovery()
    other.autosave(state_for(coffee_path, "the other window"))
    mine = Recovery()
    mine.autosave(state_for(coffee_path, "my window"))
    assert mine.pending() == []
    assert Recovery().pending() == []


def test_snapshot_of_a_dead_pid_is_offered(coffee_path: Path) -> None:
    leave_crashed_snapshot(
        state_for(coffee_path, "gone"), slot="1-dead", pid=dead_pid(), started=1.0
    )
    assert [item.prompt_preview for item in Recovery().pending()] == ["gone"]


def test_snapshot_of_a_reused_pid_is_offered(coffee_path: Path) -> None:
    # Our own pid, but a start time long before ours: the pid now belongs to another process.
    started = psutil.Process().create_time() - 3600
    leave_crashed_snapshot(
        state_for(coffee_path, "before the reboot"),
        slot="2-reused",
        pid=os.getpid(),
        started=started,
    )
    assert [item.prompt_preview for item in Recovery().pending()] == ["before the reboot"]


def test_killed_process_not_yet_reaped_counts_as_dead(coffee_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        started = psutil.Process(sleeper.pid).create_time()
        leave_crashed_snapshot(state_for(coffee_path), slot="z-1", pid=sleeper.pid, started=started)
        assert Recovery().pending() == []  # running: its snapshot is live
        os.kill(sleeper.pid, signal.SIGKILL)
        while psutil.Process(sleeper.pid).status() != psutil.STATUS_ZOMBIE:
            time.sleep(0.01)  # dead, and a zombie until we reap it
        assert [item.image_name for item in Recovery().pending()] == ["coffee.png"]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_snapshot_of_another_machine_is_not_offered(coffee_path: Path) -> None:
    leave_crashed_snapshot(
        state_for(coffee_path), slot="3-remote", pid=dead_pid(), started=1.0, host="elsewhere"
    )
    assert Recovery().pending() == []


def test_offers_are_newest_first_with_a_short_prompt_preview(coffee_path: Path) -> None:
    long_prompt = "replace the   cup\nwith " + "a very tall glass " * 10
    leave_crashed_snapshot(state_for(coffee_path, "older"), slot="4-a", pid=dead_pid(), started=1)
    leave_crashed_snapshot(
        state_for(coffee_path, long_prompt), slot="4-b", pid=dead_pid(), started=1
    )
    newest, oldest = Recovery().pending()
    assert newest.saved_at > oldest.saved_at
    assert oldest.prompt_preview == "older"
    assert newest.prompt_preview.startswith("replace the cup with a very tall glass")
    assert newest.prompt_preview.endswith("…") and len(newest.prompt_preview) == 80


def test_unseen_runs_whose_variants_are_gone_are_not_offered(coffee_path: Path) -> None:
    state = state_for(coffee_path, unseen=("20261125-070000-abcdef", "../../etc"))
    leave_crashed_snapshot(state, slot="5-x", pid=dead_pid(), started=1.0)
    (item,) = Recovery().pending()
    assert item.unseen == ()


def test_damaged_snapshot_is_skipped(coffee_path: Path) -> None:
    snapshot = leave_crashed_snapshot(state_for(coffee_path), slot="6-x", pid=dead_pid(), started=1)
    snapshot.write_bytes(b"PK\x03\x04 cut short")
    assert Recovery().pending() == []


# -- restore and discard -----------------------------------------------------------------


def test_discard_removes_the_snapshot_and_the_dead_lock(coffee_path: Path) -> None:
    leave_crashed_snapshot(state_for(coffee_path), slot="7-x", pid=dead_pid(), started=1.0)
    recovery = Recovery()
    (item,) = recovery.pending()
    assert recovery.restore(item).prompt == "a blue mug"
    recovery.discard(item)
    assert recovery.pending() == []
    assert recovery_files() == []


def test_discard_never_removes_a_live_instance_snapshot(coffee_path: Path) -> None:
    live = Recovery()
    snapshot = live.autosave(state_for(coffee_path))
    item = RecoverableSession(snapshot, datetime.now(UTC), "coffee.png", "a blue mug", ())
    Recovery().discard(item)
    assert snapshot.exists()


def test_claim_clears_locks_of_processes_that_died_before_autosaving() -> None:
    root = paths.recovery_dir()
    root.mkdir(parents=True)
    (root / "8-x.lock").write_text(
        json.dumps({"pid": dead_pid(), "started": 1.0, "host": socket.gethostname()})
    )
    recovery = Recovery()
    recovery.claim()
    assert recovery_files() == [f"{recovery.snapshot_path.stem}.lock"]


def test_restored_snapshot_is_a_full_session(coffee_path: Path) -> None:
    state = state_for(
        coffee_path, options={"n": 3}, lineage={"parent_run": "r", "parent_variant": 2}
    )
    snapshot = leave_crashed_snapshot(state, slot="9-x", pid=dead_pid(), started=1.0)
    with zipfile.ZipFile(snapshot) as archive:
        assert "mask.png" in archive.namelist()
    (item,) = Recovery().pending()
    assert Recovery().restore(item) == state
