"""Preflight for the panel: the request as it would go out, checked before a byte is sent.

`preflight` reads real image bytes (Pillow headers, byte counts), but the canvas photo
is only encoded when the user presses Generate. So the panel checks a stand-in: a real
PNG of the photo's size in one transparent palette colour (cheap to encode, cached),
padded to the byte counts the document reported. It runs on the worker after a short
debounce, because encoding a stand-in for a 40-megapixel photo still takes ~100 ms.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PIL import Image

from maskpaint.core.preflight import PreflightReport, preflight
from maskpaint.core.request import ImageFile
from maskpaint.gui.panel_options import PanelOptions, build_request


@dataclass(frozen=True)
class DocumentFacts:
    """What the panel knows of the canvas: enough to check limits without the pixels."""

    width: int
    height: int
    has_mask: bool
    image_bytes: int | None = None  # the encoded photo, if the document knows it
    mask_bytes: int | None = None


@dataclass(frozen=True)
class Line:
    """One line under the options: a problem, a fix maskpaint will make, or a caution."""

    text: str
    level: str  # "problem" | "fix" | "warning"


@functools.lru_cache(maxsize=4)
def _blank_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("P", (width, height)).save(out, "PNG", transparency=0, compress_level=1)
    return out.getvalue()


def _stand_in(facts: DocumentFacts, filename: str, stated_bytes: int | None) -> ImageFile:
    data = _blank_png(facts.width, facts.height)
    if stated_bytes is not None and stated_bytes > len(data):
        data += bytes(stated_bytes - len(data))
    return ImageFile(data, filename, "image/png")


def check(
    options: PanelOptions, facts: DocumentFacts | None, references: Sequence[ImageFile]
) -> PreflightReport:
    """Preflight the request these options would build (no fixes applied: they are shown)."""
    if facts is None or facts.width <= 0 or facts.height <= 0:
        blank = ImageFile(b"", "none", "image/png")
        request = build_request(options, blank, None, references)
        request = request.with_changes(images=tuple(references))
    else:
        image = _stand_in(facts, "the canvas photo", facts.image_bytes)
        mask = _stand_in(facts, "the mask", facts.mask_bytes) if facts.has_mask else None
        request = build_request(options, image, mask, references)
    return preflight(request, apply_fixes=False)


def report_lines(report: PreflightReport, shown_elsewhere: Iterable[str] = ()) -> tuple[Line, ...]:
    """Problems first, then what maskpaint will fix on sending, then cautions."""
    skip = set(shown_elsewhere)
    lines = [Line(p.message, "problem") for p in report.problems if not p.fixable]
    lines += [
        Line(f"maskpaint fixes this when sending: {p.message}", "fix")
        for p in report.problems
        if p.fixable
    ]
    lines += [Line(w, "warning") for w in report.warnings]
    return tuple(line for line in lines if line.text not in skip)
