"""Guards against a Qt binding that corrupts Python's reference counts (see pyproject.toml)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget


class _Emitter(QObject):
    fired = Signal(object)


def test_qt_calls_keep_the_reference_counts_of_none_and_booleans(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    emitter = _Emitter()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(500):
        widget.update()  # returns None
        emitter.fired.emit(1)  # returns a bool
    # A few references may come and go with caches; a leak of one per call is 500.
    assert abs(sys.getrefcount(None) - none_before) < 50
    assert abs(sys.getrefcount(True) - true_before) < 50
