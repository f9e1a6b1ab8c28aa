"""The Select menu, its tool bar and the busy indicator: smart selection in the window.

Kept apart from actions.py so the main window gains one line: `SelectionCommands(window)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QCheckBox, QInputDialog, QLabel, QProgressBar, QSpinBox, QToolBar

from maskpaint.core.mask import Mask, MaskEdit
from maskpaint.gui.select_tools import MagicWandTool, SubjectTool, WandSettings
from maskpaint.gui.selector import Selector
from maskpaint.gui.settings import app_settings, read_float
from maskpaint.gui.tools import ToolKind

if TYPE_CHECKING:
    from maskpaint.gui.main_window import MainWindow

MAX_RESHAPE_PX = 500
#: (menu text, undo label, dialog prompt, Mask method) of each reshape command.
RESHAPES: tuple[tuple[str, str, str, Callable[[Mask, int], MaskEdit | None]], ...] = (
    ("&Grow…", "Grow", "Grow the mask by (px):", Mask.grow),
    ("&Shrink…", "Shrink", "Shrink the mask by (px):", Mask.shrink),
    ("&Feather…", "Feather", "Feather the mask's edge over (px):", Mask.feather),
)


class SelectionCommands:
    """Magic wand, select subject, grow/shrink/feather: actions, menu, tool bar, status."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        self.selector = Selector(window.document, window)
        self.wand_settings = WandSettings(window)
        canvas, tools = window.canvas, window.tools
        canvas.add_tool(ToolKind.WAND, MagicWandTool(self.selector, self.wand_settings))
        canvas.add_tool(ToolKind.SUBJECT, SubjectTool(window.document, self.selector))

        self.wand = self._action("Magic &wand", lambda: tools.set_kind(ToolKind.WAND), "W")
        self.subject = self._action(
            "Select s&ubject", lambda: tools.set_kind(ToolKind.SUBJECT), "Q"
        )
        for action, kind in ((self.wand, ToolKind.WAND), (self.subject, ToolKind.SUBJECT)):
            action.setCheckable(True)
            window.commands.tool_group.addAction(action)
            window.commands.kind_actions[kind] = action
        self.reshapes = [self._reshape_action(*spec) for spec in RESHAPES]
        # Esc works only while a selection runs, so it never shadows another Esc.
        self.cancel = self._action("&Cancel selection", self.selector.cancel, "Esc")
        self.cancel.setEnabled(False)

        self._build_menu()
        self._build_toolbar()
        self._build_status()
        self.selector.busy_changed.connect(self._show_busy)
        self.selector.failed.connect(window.banner.show_message)

    def ask_pixels(self, label: str, prompt: str) -> int | None:
        """The N for grow/shrink/feather, offering the last one used; None if cancelled."""
        settings = app_settings()
        key = f"select/{label.lower()}_px"
        last = min(max(round(read_float(settings, key, 4.0)), 1), MAX_RESHAPE_PX)
        value, ok = QInputDialog.getInt(
            self._window, f"{label} mask", prompt, last, 1, MAX_RESHAPE_PX
        )
        if not ok:
            return None
        settings.setValue(key, value)
        return value

    def _reshape_action(
        self, text: str, label: str, prompt: str, method: Callable[[Mask, int], MaskEdit | None]
    ) -> QAction:
        def run() -> None:
            px = self.ask_pixels(label, prompt)
            if px is not None:
                self.selector.reshape(label, lambda mask: method(mask, px))

        return self._action(text, run)

    def _action(self, text: str, slot: Callable[[], object], key: str = "") -> QAction:
        action = QAction(text, self._window)
        if key:
            action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _checked=False: slot())
        self._window.addAction(action)
        return action

    def _build_menu(self) -> None:
        menu = self._window.menuBar().addMenu("&Select")
        menu.addActions([self.wand, self.subject])
        menu.addSeparator()
        menu.addActions(self.reshapes)
        menu.addSeparator()
        menu.addAction(self.cancel)
        self.menu = menu

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Selection", self._window)
        toolbar.setObjectName("selection")
        toolbar.addActions([self.wand, self.subject])
        settings = self.wand_settings
        self.tolerance_box = QSpinBox(prefix="Tolerance ", minimum=0, maximum=255)
        self.tolerance_box.setValue(settings.tolerance)
        self.tolerance_box.setToolTip("Magic wand: how far a colour may differ (0-255)")
        self.tolerance_box.valueChanged.connect(settings.set_tolerance)
        self.contiguous_box = QCheckBox("Contiguous")
        self.contiguous_box.setChecked(settings.contiguous)
        self.contiguous_box.setToolTip("Magic wand: only pixels connected to the one clicked")
        self.contiguous_box.toggled.connect(settings.set_contiguous)
        for widget in (self.tolerance_box, self.contiguous_box):
            widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # keys stay with the canvas
            toolbar.addWidget(widget)
        self._window.addToolBar(toolbar)
        self.toolbar = toolbar

    def _build_status(self) -> None:
        self.busy_label = QLabel()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # no steps to count: an endless busy bar
        self.busy_bar.setMaximumWidth(90)
        bar = self._window.statusBar()
        bar.addWidget(self.busy_bar)
        bar.addWidget(self.busy_label)
        self._show_busy("")

    def _show_busy(self, text: str) -> None:
        self.busy_label.setText(text)
        self.busy_label.setVisible(bool(text))
        self.busy_bar.setVisible(bool(text))
        self.cancel.setEnabled(bool(text))
