"""Reading what "Restore to canvas" needs from a history run, off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from maskpaint.core.history import History, RunRecord
from maskpaint.core.imageio import LoadedImage, open_image
from maskpaint.core.mask import Mask
from maskpaint.core.request import EditRequest


@dataclass(frozen=True)
class Restore:
    """A run's record, its photo when it differs from the canvas, and its mask coverage."""

    record: RunRecord
    request: EditRequest  # as sent: the panel's options come back from it
    photo: LoadedImage | None  # None: the canvas already shows this photo
    coverage: np.ndarray | None = field(default=None, repr=False)  # None: sent without mask


def read_restore(history: History, run_id: str, current: Image.Image) -> Restore:
    """Compare the run's first image with the canvas photo pixel for pixel; read the mask."""
    record = history.get(run_id)
    request = record.restore_request()
    photo = open_image(record.inputs[0].path) if record.inputs else None
    if photo is not None and _same_pixels(photo.image, current):
        photo = None
    size = photo.image.size if photo is not None else current.size
    coverage = None
    if record.mask is not None:
        mask = open_image(record.mask.path).image
        coverage = Mask.from_image(mask, size, convention="auto", resize=True).coverage
    return Restore(record, request, photo, coverage)


def _same_pixels(a: Image.Image, b: Image.Image) -> bool:
    if a.size != b.size:
        return False
    return bool(np.array_equal(np.asarray(a.convert("RGBA")), np.asarray(b.convert("RGBA"))))
