"""The prompt panel's costs: a keystroke on the GUI thread, and inline preflight.

Keystroke: a key typed into the panel's prompt (count, cost line, saving the options,
restarting the debounce) against the same key in a bare QPlainTextEdit.
Preflight: the panel's check on a stand-in PNG of the photo's size against what it
would cost to encode the real photo and its mask on every change, then preflight them.
"""

from __future__ import annotations

import io
import os

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from bench.scratch import scratch_home
from bench.table import median, print_table, timings
from maskpaint.core.preflight import preflight
from maskpaint.core.request import ImageFile
from maskpaint.gui.panel_options import PanelOptions, build_request
from maskpaint.gui.panel_preflight import DocumentFacts, _blank_png, check

SIZES = ((600, 400), (4032, 3024))


def _arrays(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """A noisy photo (PNG compresses it no better than a real one) and a mask with a hole."""
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    mask = np.full((height, width, 4), 255, dtype=np.uint8)
    mask[height // 4 : height // 2, width // 4 : width // 2, 3] = 0
    return photo, mask


def _png(array: np.ndarray, name: str) -> ImageFile:
    out = io.BytesIO()
    Image.fromarray(array).save(out, "PNG", compress_level=1)
    return ImageFile(out.getvalue(), name, "image/png")


def _png_pair(width: int, height: int) -> tuple[ImageFile, ImageFile]:
    photo, mask = _arrays(width, height)
    return _png(photo, "photo.png"), _png(mask, "mask.png")


def _preflight_rows() -> list[list[object]]:
    options = PanelOptions(prompt="a red scarf", model="gpt-image-2")
    rows: list[list[object]] = []
    preflight(build_request(options, *_png_pair(16, 16), ()), apply_fixes=False)  # warm-up
    check(options, DocumentFacts(16, 16, has_mask=True), ())
    for width, height in SIZES:
        facts = DocumentFacts(width, height, has_mask=True)
        photo, mask = _arrays(width, height)

        def encode_and_check(photo: np.ndarray = photo, mask: np.ndarray = mask) -> None:
            image, mask_file = _png(photo, "photo.png"), _png(mask, "mask.png")
            preflight(build_request(options, image, mask_file, ()), apply_fixes=False)

        _blank_png.cache_clear()
        first = timings(lambda facts=facts: check(options, facts, ()), 1)[0]
        cached = median(timings(lambda facts=facts: check(options, facts, ()), 20))
        baseline = median(timings(encode_and_check, 3))
        rows.append(
            [
                f"{width}x{height}",
                f"{baseline * 1000:.1f}",
                f"{first * 1000:.1f}",
                f"{cached * 1000:.2f}",
                f"{baseline / cached:.0f}x",
            ]
        )
    return rows


def _keystroke_rows() -> list[list[object]]:
    from maskpaint.gui.prompt_panel import PromptPanel

    panel = PromptPanel()
    bare = QPlainTextEdit()
    rows = []
    for name, edit in (("bare QPlainTextEdit", bare), ("prompt panel", panel.prompt_edit)):
        edit.setPlainText("x" * 2000)
        times = timings(lambda edit=edit: QTest.keyClick(edit, Qt.Key.Key_A), 300)
        rows.append([name, f"{median(times) * 1e6:.0f}"])
    base = float(rows[0][1])
    for row in rows:
        row.append(f"{float(row[1]) / base:.1f}x")
    panel.deleteLater()
    return rows


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with scratch_home():  # never the user's settings
        _app = QApplication.instance() or QApplication([])
        print_table(
            "Inline preflight: stand-in vs encoding the photo each time (ms)",
            ["photo", "encode + preflight", "stand-in, first", "stand-in, cached", "speed-up"],
            _preflight_rows(),
        )
        print_table(
            "A keystroke in the prompt (µs, median of 300)",
            ["widget", "per key", "vs bare"],
            _keystroke_rows(),
        )


if __name__ == "__main__":
    main()
