"""Smart selection: how long the GUI thread is blocked per command, inline vs in the background.

Inline is the whole computation on the GUI thread (what a naive button would do). In the
background the GUI thread only writes the finished edit's changed patch (the Selector's
job; the computation and the copy of the mask happen in the worker). Same photo, same run;
neither column counts the overlay repaint, which is the same either way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image

from bench.table import median, print_table, timings
from maskpaint.core.mask import Mask, MaskEdit
from maskpaint.core.mask_geom import Box
from maskpaint.core.photo_pixels import PhotoPixels
from maskpaint.core.select import apply_selection, magic_wand, subject_in_rect

SIZES = {"1K": (1024, 1024), "8K": (7680, 4320)}
REPEAT = 3


def photo(width: int, height: int) -> np.ndarray:
    """Noisy grey with a green ellipse over the middle third: a region for the wand."""
    rng = np.random.default_rng(7)
    rgb = np.clip(rng.normal(128, 6, (height, width, 3)), 0, 255).astype(np.uint8)
    ys, xs = np.ogrid[0:height, 0:width]
    inside = ((xs - width / 2) / (width / 6)) ** 2 + ((ys - height / 2) / (height / 6)) ** 2 <= 1
    rgb[inside] = (40, 170, 60)
    return rgb


def blocked(
    work: Callable[[Mask], MaskEdit | None], width: int, height: int, seed: Mask
) -> tuple[float, float]:
    """(inline seconds, background GUI-thread seconds), medians over fresh masks."""
    inline, gui = [], []
    for _ in range(REPEAT):
        live = Mask(width, height, seed.coverage)
        inline += timings(lambda live=live: work(live), 1)
        live = Mask(width, height, seed.coverage)
        edit = work(Mask(width, height, live.coverage))  # the worker's part
        assert edit is not None
        gui += timings(lambda live=live, edit=edit: edit.redo(live), 1)
    return median(inline), median(gui)


Command = tuple[str, Callable[[Mask], MaskEdit | None], Mask]


def commands(rgb: np.ndarray, width: int, height: int) -> list[Command]:
    """(name, work, mask it starts from) of each command, on the middle of the photo."""
    centre = (width / 2, height / 2)
    empty = Mask(width, height)
    seeded = Mask(width, height, magic_wand(rgb, *centre, 32))
    box = Box(width // 4, height // 4, width * 3 // 4, height * 3 // 4)
    return [
        ("magic wand", lambda m: apply_selection(m, magic_wand(rgb, *centre, 32)), empty),
        ("select subject", lambda m: apply_selection(m, subject_in_rect(rgb, box)), empty),
        ("grow 8 px", lambda m: m.grow(8), seeded),
        ("feather 8 px", lambda m: m.feather(8), seeded),
    ]


def main() -> None:
    rows = []
    convert_rows = []
    for name, (width, height) in SIZES.items():
        rgb = photo(width, height)
        pixels = PhotoPixels(Image.fromarray(rgb))
        first = timings(pixels.rgb, 1)[0]
        again = median(timings(pixels.rgb, REPEAT))
        convert_rows.append([name, first * 1e3, again * 1e6])
        for label, work, seed in commands(pixels.rgb(), width, height):
            inline, gui = blocked(work, width, height, seed)
            rows.append([name, label, inline * 1e3, gui * 1e3, gui / inline])
    print_table(
        "Photo -> RGB array for the selection tools: once per photo, then cached",
        ["photo", "first call ms", "later calls µs"],
        convert_rows,
    )
    print_table(
        "GUI thread blocked per selection command (1K = 1024x1024, 8K = 7680x4320)",
        ["photo", "command", "inline ms", "background: GUI part ms", "background/inline"],
        rows,
    )


if __name__ == "__main__":
    main()
