"""TEST-ONLY: run inside a real maskpaint process by the crash test (MASKPAINT_TEST_SCRIPT).

`window` is the app's main window. Like a designer: paint a soft mask, type a prompt,
press Generate, and go back to the canvas as soon as the run starts, so the variant
arrives unseen. The painted coverage goes to $MASKPAINT_CRASH_OUT/coverage.npy so the
test can compare the restored mask with what was really painted.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from maskpaint.gui.generation_ui import CANVAS_TAB
from tests.gui.session_support import PROMPT, paint_soft_mask

window = globals()["window"]
generation = window.generation
coverage = paint_soft_mask(window)
np.save(Path(os.environ["MASKPAINT_CRASH_OUT"]) / "coverage.npy", coverage)
generation.panel.prompt_edit.setPlainText(PROMPT)
generation.controller.run_started.connect(lambda *_: generation.tabs.setCurrentIndex(CANVAS_TAB))
generation.generate_action.trigger()
