"""Screenshots of real X windows for the Xvfb tests, without ImageMagick.

`grab(display, window, path)` runs this file as a child process on that display; the
child asks the X server for the window's pixels through Qt (`QScreen.grabWindow`) and
writes a PNG, as `import -window ID` would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def grab(display: str, window: str, path: Path) -> np.ndarray:
    """The window's pixels as an (h, w, 3) int array; also saved as a PNG at `path`."""
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    subprocess.run([sys.executable, __file__, window, str(path)], env=env, check=True, timeout=30)
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def _main(window: str, out: str) -> int:
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(sys.argv[:1])
    pixmap = app.primaryScreen().grabWindow(int(window, 0))
    return 0 if not pixmap.isNull() and pixmap.save(out, "PNG") else 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1], sys.argv[2]))
