"""The one way maskpaint runs work off the GUI thread.

A job is a plain function `fn(context) -> result` run on Qt's global thread pool. It
reports through `context.emit(value)`; the GUI hears it through the `Job`'s signals,
delivered on the GUI thread because the Job lives there. Cancellation is a
first-class request: `Job.cancel()` sets the context's flag and calls every callback
the function registered with `context.on_cancel` (e.g. the API client's cancel
token), from the thread that asked, so a blocked network read ends at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import warnings
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

T = TypeVar("T")
log = logging.getLogger("maskpaint.worker")

#: Every started job, held until its `finished` reaches the GUI thread. Otherwise the
#: pool thread could drop the last reference to a Job (a GUI-thread QObject with
#: signals still queued) and destroy it off the GUI thread, which crashes Qt.
_live_jobs: set[Job[Any]] = set()


class JobContext:
    """What a running job sees: a way to report, and whether it was asked to stop."""

    def __init__(self, job: Job[Any]) -> None:
        self._job = job
        self._cancelled = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def emit(self, value: object) -> None:
        """Hand a value (progress, a variant, a partial image) to the GUI thread."""
        self._job.progress.emit(value)

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Call `callback` when the job is cancelled (at once if it already was)."""
        with self._lock:
            if not self._cancelled.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def _cancel(self) -> None:
        with self._lock:
            if self._cancelled.is_set():
                return
            self._cancelled.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("a cancel callback failed")


class Job(QObject, Generic[T]):
    """A background job's face on the GUI thread. Signals arrive in this order:
    started, progress*, then exactly one of succeeded / failed, then finished."""

    started = Signal()
    progress = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception
    finished = Signal()
    #: The worker's own bookkeeping, after `finished`; private so that a caller who
    #: disconnects the public signals cannot leave a job forever "running".
    _ended = Signal()

    def __init__(self, fn: Callable[[JobContext], T], name: str = "job") -> None:
        super().__init__()
        self.name = name
        self._fn = fn
        self.context = JobContext(self)
        self.running = False
        self.done = False
        self._ended.connect(self._mark_done)

    def detach(self) -> None:
        """Stop telling anyone about this job (its listener is going away); it still
        runs to its end and is still counted until then."""
        with warnings.catch_warnings():  # PySide warns about signals nobody listened to
            warnings.simplefilter("ignore", RuntimeWarning)
            for signal in (self.started, self.progress, self.succeeded, self.failed, self.finished):
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect()

    def cancel(self) -> None:
        """Ask the job to stop; safe from any thread, any number of times."""
        self.context._cancel()

    @property
    def cancelled(self) -> bool:
        return self.context.cancelled

    def start(self, pool: QThreadPool | None = None) -> Job[T]:
        self.running = True
        _live_jobs.add(self)
        (pool or QThreadPool.globalInstance()).start(_Runnable(self))
        return self

    def _mark_done(self) -> None:
        self.running = False
        self.done = True
        _live_jobs.discard(self)

    def _run(self) -> None:
        self.started.emit()
        try:
            result = self._fn(self.context)
        except BaseException as error:  # the job's failure is data for the GUI
            if not isinstance(error, Exception):
                log.error("job %s ended by %r", self.name, error)
            self.failed.emit(error)
        else:
            self.succeeded.emit(result)
        finally:
            self.finished.emit()
            self._ended.emit()


_network_pool: QThreadPool | None = None


def network_pool() -> QThreadPool:
    """Threads for jobs that mostly wait on a server (an image edit takes 30-120 s).

    Kept apart from Qt's global pool, which has one thread per core: two slow requests
    there would stall every thumbnail, decode and preflight until they finished.
    """
    global _network_pool
    if _network_pool is None:
        _network_pool = QThreadPool()
        _network_pool.setMaxThreadCount(32)
        _network_pool.setExpiryTimeout(60_000)
    return _network_pool


class _Runnable(QRunnable):
    def __init__(self, job: Job[Any]) -> None:
        super().__init__()
        self._job = job  # keeps the Job alive until the run ends

    def run(self) -> None:
        self._job._run()


def run_in_background(
    fn: Callable[[JobContext], T],
    *,
    name: str = "job",
    on_progress: Callable[[object], None] | None = None,
    on_success: Callable[[T], None] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    on_finished: Callable[[], None] | None = None,
    network: bool = False,
    owner: QObject | None = None,
    pool: QThreadPool | None = None,
) -> Job[T]:
    """Connect the callbacks, then start `fn` on a thread pool.

    `network=True` for jobs that wait on a server (see `network_pool`); others share
    Qt's global pool. With an `owner` (the widget the callbacks update), the job stops
    reporting once the owner is destroyed. Connecting before starting matters: a
    signal emitted before anyone listens is lost.
    """
    job: Job[T] = Job(fn, name)
    if owner is not None:
        # Check at call time: a report already queued when the owner died still arrives.
        on_progress, on_success, on_failure, on_finished = (
            _while_alive(owner, slot) for slot in (on_progress, on_success, on_failure, on_finished)
        )
    for signal, slot in (
        (job.progress, on_progress),
        (job.succeeded, on_success),
        (job.failed, on_failure),
        (job.finished, on_finished),
    ):
        if slot is not None:
            signal.connect(slot)
    return job.start(pool or (network_pool() if network else None))


def _while_alive(owner: QObject, slot: Callable[..., None] | None) -> Callable[..., None] | None:
    """`slot`, run only while `owner`'s C++ object still exists."""
    if slot is None:
        return None

    def guarded(*args: object) -> None:
        if shiboken6.isValid(owner):
            slot(*args)

    return guarded
