"""The window's state as a SessionState and back: taken on the GUI thread, encoded off it.

`WindowSnapshot` is what the GUI thread copies in a few microseconds (the photo object,
a copy of the mask coverage, the panel's options, run ids); `state()` does the slow
part (the photo's bytes) in a worker. `read_session` is the reverse, also in a worker:
the session file (or a crash snapshot), its photo decoded, its reference images put
back on disk for the panel, and its history runs read for the variants view.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from maskpaint.core import paths
from maskpaint.core.atomic import write_bytes
from maskpaint.core.errors import MaskpaintError
from maskpaint.core.history import History, RunRecord
from maskpaint.core.imageio import LoadedImage, encode, open_image
from maskpaint.core.request import ImageFile
from maskpaint.core.session import SessionError, SessionState
from maskpaint.gui.panel_options import PanelOptions, options_from_dict
from maskpaint.gui.photo_swap import Lineage

#: The formats a session stores as they are; anything else is re-encoded as PNG.
_KEPT_FORMATS = ("PNG", "JPEG", "WEBP")
#: Runs a session reopens at most: the variants view keeps no more pages than this.
MAX_RUNS_REOPENED = 12


@dataclass(frozen=True)
class WindowSnapshot:
    """The window as it is now; cheap to take, safe to hand to a worker."""

    image: Image.Image = field(repr=False)
    image_path: Path | None
    image_name: str
    coverage: np.ndarray = field(repr=False)  # a private copy
    options: PanelOptions
    references: tuple[ImageFile, ...] = ()
    runs: tuple[str, ...] = ()
    unseen: tuple[str, ...] = ()
    lineage: Mapping[str, Any] = field(default_factory=dict)

    def state(self) -> SessionState:
        """The SessionState to save; encodes the photo (once per photo), so run it in a worker."""
        data, fmt = photo_bytes(self.image, self.image_path)
        options = asdict(self.options)
        options.pop("prompt")  # prompt.txt holds it
        options["reference_paths"] = list(self.options.reference_paths)
        return SessionState(
            image=data,
            image_name=self.image_name,
            image_format=fmt,
            coverage=self.coverage,
            prompt=self.options.prompt,
            options=options,
            references=self.references,
            runs=self.runs,
            lineage=self.lineage,
            unseen=self.unseen,
        )


# -- the photo's bytes -----------------------------------------------------------------


class _PhotoCache:
    """The last photo's encoded bytes: autosave every 30 s must not re-encode 24 MP."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._image: weakref.ref[Image.Image] | None = None
        self._value: tuple[bytes, str] = (b"", "")

    def get(self, image: Image.Image) -> tuple[bytes, str] | None:
        with self._lock:
            return self._value if self._image is not None and self._image() is image else None

    def put(self, image: Image.Image, value: tuple[bytes, str]) -> None:
        with self._lock:
            self._image, self._value = weakref.ref(image), value


_cache = _PhotoCache()


def photo_bytes(image: Image.Image, path: Path | None) -> tuple[bytes, str]:
    """(bytes, format) for the session: the file as opened if it still decodes to exactly
    these pixels (no generation loss, no growth), else a lossless PNG of them."""
    cached = _cache.get(image)
    if cached is not None:
        return cached
    value = _file_if_same(image, path) or (encode(image, "PNG"), "PNG")
    _cache.put(image, value)
    return value


def remember_photo(image: Image.Image, data: bytes, fmt: str) -> None:
    """A restored session's photo: its bytes are known, the next autosave reuses them."""
    _cache.put(image, (data, fmt))


def _file_if_same(image: Image.Image, path: Path | None) -> tuple[bytes, str] | None:
    if path is None:
        return None
    try:
        data = path.read_bytes()
        loaded = open_image(data)
    except (OSError, MaskpaintError):
        return None  # moved or changed since it was opened: the pixels are what counts
    if loaded.info.format not in _KEPT_FORMATS or not _same_pixels(loaded.image, image):
        return None
    return data, loaded.info.format


def _same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and a.mode == b.mode and np.array_equal(np.asarray(a), np.asarray(b))


# -- reading a session back -------------------------------------------------------------


@dataclass(frozen=True)
class LoadedSession:
    """A session ready to put on the canvas: everything slow already done."""

    state: SessionState
    photo: LoadedImage
    options: PanelOptions  # prompt included, reference paths pointing at real files
    records: tuple[RunRecord, ...]  # the runs still in the history, oldest first
    lineage: Lineage | None


def read_session(source: Callable[[], SessionState], history: History) -> LoadedSession:
    """Load (`source()` is load_session or Recovery.restore) and prepare a session."""
    state = source()
    photo = open_image(state.image, name=state.image_name)
    remember_photo(photo.image, state.image, state.image_format)
    references = reference_paths(state)
    options = replace(
        options_from_dict({**state.options, "prompt": state.prompt}), reference_paths=references
    )
    return LoadedSession(state, photo, options, _records(history, state), _lineage(state))


def reference_paths(state: SessionState) -> tuple[str, ...]:
    """Files holding the session's reference images: the original file when it still
    holds the same bytes, else a copy the session carried, written under the data home."""
    saved = state.options.get("reference_paths")
    originals = list(saved) if isinstance(saved, list) else []
    found = []
    for index, reference in enumerate(state.references):
        original = Path(originals[index]) if index < len(originals) else None
        found.append(str(_reference_file(reference, original)))
    return tuple(found)


def _reference_file(reference: ImageFile, original: Path | None) -> Path:
    try:
        if original is not None and original.read_bytes() == reference.data:
            return original
    except OSError:
        pass
    digest = hashlib.sha256(reference.data).hexdigest()[:16]
    name = Path(reference.filename.replace("\\", "/")).name or "reference"
    target = paths.data_home() / "session-references" / digest / name
    if not target.is_file():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_bytes(target, reference.data)
        except OSError as error:
            raise SessionError(
                f"The reference image {name} could not be unpacked to {target.parent} "
                f"({error.strerror or error}); free some disk space and open the session again.",
                detail=repr(error),
            ) from error
    return target


def _records(history: History, state: SessionState) -> tuple[RunRecord, ...]:
    """The session's runs that still exist (deleted ones are simply not reopened)."""
    wanted = list(dict.fromkeys((*state.runs, *state.unseen)))[-MAX_RUNS_REOPENED:]
    records = []
    for run_id in wanted:
        try:
            records.append(history.get(run_id))
        except MaskpaintError:
            continue
    return tuple(records)


def _lineage(state: SessionState) -> Lineage | None:
    run, variant = state.lineage.get("parent_run"), state.lineage.get("parent_variant")
    if isinstance(run, str) and isinstance(variant, int):
        return Lineage(run, variant)
    return None
