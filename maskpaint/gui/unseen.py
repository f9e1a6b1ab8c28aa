"""Which runs hold variants the designer has not looked at yet: the one definition.

A run becomes UNSEEN when one of its variants arrives while the variants view is not
showing that run (another tab, another run's page, the window hidden or minimized). It becomes
SEEN as soon as the view shows it: the Variants tab is current, that run's page is on
top, and the window is visible. Autosave records the unseen runs, so a crash never
hides a paid image: the next start opens them in the variants view.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QTabWidget

from maskpaint.gui.variants_view import VariantsView


class UnseenRuns(QObject):
    """The set of unseen run ids, in arrival order, kept current as the view changes."""

    #: The set changed (a run became unseen, or was seen).
    changed = Signal()

    def __init__(self, tabs: QTabWidget, variants: VariantsView, variants_tab: int) -> None:
        super().__init__(variants)
        self._tabs = tabs
        self._variants = variants
        self._variants_tab = variants_tab
        self._ids: list[str] = []
        tabs.currentChanged.connect(self._look)
        variants.stack.currentChanged.connect(self._look)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._ids)

    def showing(self, run_id: str) -> bool:
        """Whether the designer can see `run_id`'s page right now."""
        page = self._variants.current_page()
        return (
            page is not None
            and page.run_key == run_id
            and self._tabs.currentIndex() == self._variants_tab
            and self._variants.isVisible()
            and not self._variants.window().isMinimized()
        )

    def variant_arrived(self, run_id: str) -> None:
        if run_id and run_id not in self._ids and not self.showing(run_id):
            self._ids.append(run_id)
            self.changed.emit()

    def replace(self, run_ids: tuple[str, ...] | list[str]) -> None:
        """Take the unseen runs of a restored session; those on screen count as seen."""
        self._ids = [run_id for run_id in dict.fromkeys(run_ids) if not self.showing(run_id)]
        self.changed.emit()

    def _look(self) -> None:
        page = self._variants.current_page()
        if page is not None and page.run_key in self._ids and self.showing(page.run_key):
            self._ids.remove(page.run_key)
            self.changed.emit()
