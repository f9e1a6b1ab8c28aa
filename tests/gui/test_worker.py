"""The background-job pattern: ordering of signals, failures as data, cancellation."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from maskpaint.gui.worker import JobContext, run_in_background


def test_job_runs_off_the_gui_thread_and_reports_in_order(qtbot):
    seen: list[object] = []
    gui_thread = QThread.currentThread()
    worker_threads: list[object] = []

    def work(context: JobContext) -> int:
        worker_threads.append(QThread.currentThread())
        for step in range(3):
            context.emit(step)
        return 42

    job = run_in_background(
        work,
        on_progress=seen.append,
        on_success=lambda value: seen.append(("ok", value)),
        on_finished=lambda: seen.append("finished"),
    )
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    assert seen == [0, 1, 2, ("ok", 42), "finished"]
    assert worker_threads[0] is not gui_thread


def test_a_failing_job_hands_its_exception_to_the_gui(qtbot):
    failures: list[BaseException] = []

    def work(context: JobContext) -> None:
        raise ValueError("the job broke")

    job = run_in_background(work, on_failure=failures.append)
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    assert [str(f) for f in failures] == ["the job broke"]


def test_cancel_wakes_a_blocked_job_through_its_callback(qtbot):
    released = threading.Event()
    started = threading.Event()
    results: list[object] = []

    def work(context: JobContext) -> str:
        context.on_cancel(released.set)
        started.set()
        released.wait(10)
        return "stopped early" if context.cancelled else "ran to the end"

    job = run_in_background(work, on_success=results.append)
    assert started.wait(5)
    job.cancel()
    job.cancel()  # twice is harmless
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    assert results == ["stopped early"]
    assert job.cancelled


def test_on_cancel_after_cancel_runs_at_once(qtbot):
    calls: list[str] = []
    gate = threading.Event()

    def work(context: JobContext) -> None:
        gate.wait(5)
        context.on_cancel(lambda: calls.append("called"))

    job = run_in_background(work)
    job.cancel()
    gate.set()
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    assert calls == ["called"]


def test_jobs_waiting_on_a_server_do_not_starve_quick_jobs(qtbot):
    from PySide6.QtCore import QThreadPool

    release = threading.Event()
    waiting = [
        run_in_background(lambda context: release.wait(30), network=True)
        for _ in range(QThreadPool.globalInstance().maxThreadCount() + 2)
    ]
    try:
        quick = run_in_background(lambda context: "thumbnail")
        qtbot.waitUntil(lambda: quick.done, timeout=5000)
        assert not any(job.done for job in waiting)
    finally:
        release.set()
        qtbot.waitUntil(lambda: all(job.done for job in waiting), timeout=10000)


def test_a_job_nobody_keeps_lives_until_it_has_finished_on_the_gui_thread(qtbot):
    """Dropping the Job right away must not let a pool thread destroy it mid-signal."""
    import gc

    from maskpaint.gui import worker

    results: list[int] = []
    for value in range(50):
        run_in_background(lambda context, v=value: v, on_success=results.append)
    gc.collect()
    qtbot.waitUntil(lambda: len(results) == 50, timeout=10000)
    qtbot.waitUntil(lambda: not worker._live_jobs, timeout=5000)
    assert sorted(results) == list(range(50))


def test_a_detached_job_still_ends_and_is_no_longer_held(qtbot):
    from maskpaint.gui import worker

    gate = threading.Event()
    heard: list[object] = []
    job = run_in_background(lambda context: gate.wait(5), on_success=heard.append)
    job.detach()
    gate.set()
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    assert heard == []
    assert job not in worker._live_jobs


def test_a_job_stops_reporting_once_its_owner_is_gone(qtbot):
    from PySide6.QtWidgets import QLabel

    gate = threading.Event()
    label = QLabel()
    job = run_in_background(
        lambda context: gate.wait(5) and "done",
        on_success=lambda text: label.setText(text),  # a lambda: Qt cannot see the label
        owner=label,
    )
    label.deleteLater()
    qtbot.wait(50)  # the label is gone
    gate.set()
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    qtbot.wait(50)  # without `owner`, "Internal C++ object already deleted" fails here
