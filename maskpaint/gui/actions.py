"""Menus, toolbar and shortcuts of the main window, in one place.

Every command is a QAction so the menu, the toolbar and the keyboard share one path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QColorDialog, QDoubleSpinBox, QMenu, QSpinBox, QToolBar

from maskpaint.gui.tools import ToolKind

if TYPE_CHECKING:
    from maskpaint.gui.main_window import MainWindow

OPACITIES = (0.25, 0.4, 0.5, 0.6, 0.75, 1.0)
Keys = Sequence[QKeySequence | QKeySequence.StandardKey | str]


class WindowActions:
    """Builds and owns the window's actions, menus and tool bar."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        canvas, document, tools = window.canvas, window.document, window.tools
        add = self._action

        self.open = add("&Open…", window.open_dialog, ["Ctrl+O"])
        self.import_mask = add("&Import mask…", window.import_mask_dialog)
        self.export_mask = add("&Export mask…", window.export_mask_dialog, ["Ctrl+Shift+E"])
        self.quit = add("&Quit", window.close, ["Ctrl+Q"])

        self.undo = document.undo_stack.createUndoAction(window, "&Undo")
        self.undo.setShortcuts([QKeySequence("Ctrl+Z")])
        self.redo = document.undo_stack.createRedoAction(window, "&Redo")
        self.redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        window.addActions([self.undo, self.redo])
        self.paste = add("&Paste image", window.paste, ["Ctrl+V"])
        self.clear_mask = add("&Clear mask", window.clear_mask, ["Ctrl+D"])
        self.invert_mask = add("&Invert mask", window.invert_mask, ["Ctrl+Shift+I"])

        self.zoom_in = add("Zoom &in", canvas.zoom_in, ["Ctrl++", "Ctrl+=", "Ctrl+Shift+="])
        self.zoom_out = add("Zoom &out", canvas.zoom_out, ["Ctrl+-"])
        self.fit = add("&Fit to window", canvas.fit, ["Ctrl+0"])
        self.actual_size = add("&100 %", canvas.actual_size, ["Ctrl+1"])
        self.hide_mask = add("&Hide mask", None, ["H"], checkable=True)
        self.hide_mask.toggled.connect(lambda hidden: canvas.overlay.set_visible(not hidden))
        self.mask_only = add("&Mask only", None, ["Shift+H"], checkable=True)
        self.mask_only.toggled.connect(canvas.overlay.set_mask_only)
        self.overlay_color = add("Overlay &colour…", self._choose_color)
        self.opacity_group = QActionGroup(window)
        self.opacities = [self._opacity_action(value) for value in OPACITIES]

        self.brush = add("&Brush", lambda: tools.set_kind(ToolKind.BRUSH, False), ["B"], True)
        self.eraser = add("&Eraser", lambda: tools.set_kind(ToolKind.BRUSH, True), ["E"], True)
        self.rectangle = add("&Rectangle", lambda: tools.set_kind(ToolKind.RECTANGLE), ["M"], True)
        self.lasso = add("&Lasso", lambda: tools.set_kind(ToolKind.LASSO), ["L"], True)
        #: The action to check for each tool kind other than the brush (others add theirs).
        self.kind_actions = {ToolKind.RECTANGLE: self.rectangle, ToolKind.LASSO: self.lasso}
        self.tool_group = QActionGroup(window)
        for action in (self.brush, self.eraser, self.rectangle, self.lasso):
            self.tool_group.addAction(action)
        self.swap = add("Swap paint/erase", tools.swap_paint_erase, ["X"])
        self.bigger = add("Bigger brush", tools.bigger, ["]"])
        self.smaller = add("Smaller brush", tools.smaller, ["["])
        # Shift+[ arrives as "{" on many layouts (US): accept every spelling.
        self.harder = add("Harder brush", tools.harder, ["Shift+]", "}", "Shift+}"])
        self.softer = add("Softer brush", tools.softer, ["Shift+[", "{", "Shift+{"])
        tools.changed.connect(self._sync_tools)

        self._build_menus()
        self._build_toolbar()
        self._sync_tools()

    def _action(
        self,
        text: str,
        slot: Callable[[], object] | None,
        keys: Keys = (),
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self._window)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setCheckable(checkable)
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        self._window.addAction(action)  # shortcuts work even with the menu bar hidden
        return action

    def _opacity_action(self, value: float) -> QAction:
        action = QAction(f"{value * 100:.0f} %", self._window, checkable=True)
        action.setData(value)
        overlay = self._window.canvas.overlay
        action.setChecked(abs(overlay.opacity - value) < 1e-6)
        action.triggered.connect(lambda: overlay.set_opacity(value))
        self.opacity_group.addAction(action)
        return action

    def _choose_color(self) -> None:
        overlay = self._window.canvas.overlay
        color = QColorDialog.getColor(overlay.color, self._window, "Mask overlay colour")
        overlay.set_color(color)

    def _build_menus(self) -> None:
        bar = self._window.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        file_menu.addActions([self.import_mask, self.export_mask])
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        self.file_menu = file_menu

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo, self.redo])
        edit_menu.addSeparator()
        edit_menu.addActions([self.paste, self.clear_mask, self.invert_mask])
        edit_menu.addSeparator()
        edit_menu.addAction(self._window.history_dock.toggleViewAction())

        view_menu = bar.addMenu("&View")
        view_menu.addActions([self.zoom_in, self.zoom_out, self.fit, self.actual_size])
        view_menu.addSeparator()
        view_menu.addActions([self.hide_mask, self.mask_only, self.overlay_color])
        opacity_menu = QMenu("Overlay &opacity", view_menu)
        opacity_menu.addActions(self.opacities)
        view_menu.addMenu(opacity_menu)
        self.view_menu = view_menu

        tools_menu = bar.addMenu("&Tools")
        tools_menu.addActions([self.brush, self.eraser, self.rectangle, self.lasso, self.swap])
        tools_menu.addSeparator()
        tools_menu.addActions([self.bigger, self.smaller, self.harder, self.softer])

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Tools", self._window)
        toolbar.setObjectName("tools")
        toolbar.addActions([self.brush, self.eraser, self.rectangle, self.lasso, self.swap])
        toolbar.addSeparator()
        tools = self._window.tools
        self.size_box = QSpinBox(prefix="Size ", suffix=" px", minimum=1, maximum=2000)
        self.size_box.setToolTip("Brush size ([ and ])")
        self.size_box.valueChanged.connect(lambda value: tools.set_size(value))
        self.hardness_box = QDoubleSpinBox(prefix="Hardness ", suffix=" %", decimals=0)
        self.hardness_box.setRange(0, 100)
        self.hardness_box.setSingleStep(10)
        self.hardness_box.setToolTip("Brush hardness (Shift+[ and Shift+])")
        self.hardness_box.valueChanged.connect(lambda value: tools.set_hardness(value / 100))
        toolbar.addWidget(self.size_box)
        toolbar.addWidget(self.hardness_box)
        toolbar.addSeparator()
        toolbar.addActions([self.undo, self.redo, self.clear_mask, self.invert_mask])
        self._window.addToolBar(toolbar)
        self.toolbar = toolbar

    def _sync_tools(self) -> None:
        tools = self._window.tools
        if tools.kind is ToolKind.BRUSH:
            (self.eraser if tools.erase else self.brush).setChecked(True)
        elif tools.kind in self.kind_actions:
            self.kind_actions[tools.kind].setChecked(True)
        values = ((self.size_box, round(tools.size)), (self.hardness_box, tools.hardness * 100))
        for box, value in values:
            box.blockSignals(True)  # showing the value must not write it back
            box.setValue(value)
            box.blockSignals(False)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        paths = self._window.recent_files()
        for path in paths:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _checked=False, p=path: self._window.open_recent(p))
        if not paths:
            self.recent_menu.addAction("No recent files").setEnabled(False)
