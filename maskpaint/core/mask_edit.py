"""Undo records that hold only the changed region of a mask, never a copy of the mask.

A stroke copies 64x64 tiles the first time a dab touches them; a shape or whole-mask
operation crops the box it worked in. Either way the record is tightened to the pixels
that actually changed, so 200 strokes on an 8K mask hold 200 small patches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from maskpaint.core.mask_geom import Box

TILE = 64


@dataclass(frozen=True, eq=False)
class Patch:
    """One rectangle of coverage before and after an edit; an int `after` is a constant fill."""

    box: Box
    before: np.ndarray = field(repr=False)
    after: np.ndarray | int = field(repr=False)

    @property
    def nbytes(self) -> int:
        after = self.after.nbytes if isinstance(self.after, np.ndarray) else 0
        return self.before.nbytes + after


@dataclass(frozen=True, eq=False)
class MaskEdit:
    """The undo record of one edit (a stroke, a shape, clear, invert, grow, ...).

    `label` names the step for a history list; `box` bounds the changes; `nbytes` is what
    the record holds in memory. Invert stores nothing: it is its own inverse.
    """

    label: str
    box: Box
    patches: tuple[Patch, ...] = ()
    inverts: bool = False

    @property
    def nbytes(self) -> int:
        return sum(p.nbytes for p in self.patches)

    def undo(self, mask: _HasCoverage) -> Box:
        """Put the mask back as it was before this edit; returns the box to repaint."""
        if self.inverts:
            _invert(mask.coverage, self.box)
        for patch in reversed(self.patches):
            mask.coverage[patch.box.slices] = patch.before
        return self.box

    def redo(self, mask: _HasCoverage) -> Box:
        """Apply this edit again after an undo; returns the box to repaint."""
        for patch in self.patches:
            mask.coverage[patch.box.slices] = patch.after
        if self.inverts:
            _invert(mask.coverage, self.box)
        return self.box


class _HasCoverage(Protocol):
    """What an edit needs of a mask (structural, so this module need not import mask.py)."""

    coverage: np.ndarray


def _invert(coverage: np.ndarray, box: Box) -> None:
    view = coverage[box.slices]
    np.subtract(255, view, out=view)


def changed_patch(box: Box, before: np.ndarray, after: np.ndarray) -> Patch | None:
    """A patch tightened to the rows and columns that differ, or None if nothing did."""
    changed = before != after
    rows = np.flatnonzero(changed.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(changed.any(axis=0))
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    left, right = int(cols[0]), int(cols[-1]) + 1
    tight = Box(box.left + left, box.top + top, box.left + right, box.top + bottom)
    return Patch(tight, before[top:bottom, left:right].copy(), after[top:bottom, left:right].copy())


def edit_from_patches(label: str, patches: list[Patch]) -> MaskEdit | None:
    """Wrap patches in an edit, or None when there are none (no empty undo steps)."""
    if not patches:
        return None
    box = patches[0].box
    for patch in patches[1:]:
        box = box.union(patch.box)
    return MaskEdit(label, box, tuple(patches))


class TileRecorder:
    """Copies each 64x64 tile of the coverage the first time an edit is about to touch it."""

    def __init__(self, coverage: np.ndarray) -> None:
        self._coverage = coverage
        self._before: dict[tuple[int, int], np.ndarray] = {}

    def touch(self, box: Box) -> None:
        """Call before writing into box."""
        for ty in range(box.top // TILE, (box.bottom - 1) // TILE + 1):
            for tx in range(box.left // TILE, (box.right - 1) // TILE + 1):
                if (ty, tx) not in self._before:
                    self._before[ty, tx] = self._coverage[self._tile(ty, tx).slices].copy()

    def finish(self, label: str) -> MaskEdit | None:
        """The record of every tile that really changed, each tightened to its changes."""
        patches = []
        for (ty, tx), before in self._before.items():
            tile = self._tile(ty, tx)
            patch = changed_patch(tile, before, self._coverage[tile.slices])
            if patch is not None:
                patches.append(patch)
        self._before.clear()
        return edit_from_patches(label, patches)

    def _tile(self, ty: int, tx: int) -> Box:
        height, width = self._coverage.shape
        return Box(tx * TILE, ty * TILE, min((tx + 1) * TILE, width), min((ty + 1) * TILE, height))
