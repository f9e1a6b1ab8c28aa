"""The Qt binding itself: guards against a PySide6 build that would crash the app."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget


class _Emitter(QObject):
    fired = Signal(object)


def test_qt_calls_that_return_nothing_keep_none_alive(qtbot):
    # PySide6 6.12.0 on Python 3.11 lost a reference to None per such call: a long
    # session (or the variants view receiving big images) ended in "deallocating None".
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.update()
        QApplication.processEvents()
    assert sys.getrefcount(None) > before - 100


def test_signal_emits_keep_the_booleans_alive(qtbot):
    # The same build lost a reference to True/False per Signal.emit: the canvas emits
    # per mouse move, so painting ended in "deallocating True or False".
    emitter = _Emitter()
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(2000):
        emitter.fired.emit(1)
    assert sys.getrefcount(True) > before[0] - 100
    assert sys.getrefcount(False) > before[1] - 100
