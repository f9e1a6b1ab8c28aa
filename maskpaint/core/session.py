"""A `.maskpaint` session file: photo, full mask coverage, prompt, options, references, runs.

The file is a zip the designer can open with any archive tool: `manifest.json` (format
and app version, when saved), `image.<ext>` (the photo's bytes as loaded), `mask.png`
(the COVERAGE as 8-bit grey, so soft edges survive), `prompt.txt`, `options.json`,
`references/NN-name.ext` and `runs.json` (history run ids: links, not copies). Reading
trusts nothing inside: entries are read by names this module builds, so a crafted
archive cannot make us touch any path (zip-slip), and every part is checked.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from PIL import Image

from maskpaint import __version__
from maskpaint.core.atomic import write_bytes
from maskpaint.core.errors import ImageError, MaskpaintError
from maskpaint.core.imageio import open_image
from maskpaint.core.request import ImageFile

__all__ = [
    "FORMAT_VERSION",
    "SUFFIX",
    "SessionError",
    "SessionState",
    "load_session",
    "save_session",
]

SUFFIX = ".maskpaint"
#: Bumped when an older maskpaint could no longer read what this one writes.
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MASK = "mask.png"
PROMPT = "prompt.txt"
OPTIONS = "options.json"
RUNS = "runs.json"
_KIND = "maskpaint-session"
_EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
_MIMES = ("image/png", "image/jpeg", "image/webp")
_REFERENCE = re.compile(r"references/\d{2}-[A-Za-z0-9._-]{1,80}")
#: Declared sizes above these mean a damaged or hostile file (a zip bomb): text parts are
#: small, and the largest photo imageio opens (268 MP) is far below 1 GiB as PNG or JPEG.
_MAX_TEXT_BYTES = 16 * 1024 * 1024
_MAX_IMAGE_BYTES = 1024 * 1024 * 1024
#: zlib level for mask.png: autosave runs every 30 s, and level 1 already shrinks a
#: mostly empty mask to almost nothing.
_MASK_COMPRESS_LEVEL = 1


class SessionError(MaskpaintError):
    """A session file could not be saved, or is not one this maskpaint can open."""


@dataclass(frozen=True, eq=False)
class SessionState:
    """What the GUI's document holds, as one value.

    `coverage` is not copied: pass a copy taken on the GUI thread (`mask.coverage.copy()`)
    when the save runs in a worker while painting goes on.
    """

    image: bytes = field(repr=False)
    image_name: str
    image_format: str  # "PNG", "JPEG" or "WEBP": the format of `image`
    coverage: np.ndarray = field(repr=False)  # (h, w) uint8, 0 keep .. 255 edit
    prompt: str
    options: Mapping[str, Any] = field(default_factory=dict)  # JSON-able panel options
    references: tuple[ImageFile, ...] = ()
    runs: tuple[str, ...] = ()
    lineage: Mapping[str, Any] = field(default_factory=dict)  # {"parent_run": id, ...}
    unseen: tuple[str, ...] = ()  # run ids whose variants were not viewed yet

    def __post_init__(self) -> None:
        if self.image_format not in _EXTENSIONS:
            raise ValueError(f"image_format must be one of {tuple(_EXTENSIONS)}")
        if self.coverage.ndim != 2 or self.coverage.dtype != np.uint8:
            raise ValueError("coverage must be a 2-D uint8 array")
        # Frozen means frozen: the mappings become read-only views of private copies.
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))
        object.__setattr__(self, "lineage", MappingProxyType(dict(self.lineage)))
        object.__setattr__(self, "references", tuple(self.references))
        object.__setattr__(self, "runs", tuple(self.runs))
        object.__setattr__(self, "unseen", tuple(self.unseen))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SessionState):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))

    __hash__ = None  # type: ignore[assignment]  # holds an array and mappings

    def __repr__(self) -> str:
        height, width = self.coverage.shape
        return (
            f"SessionState({self.image_name!r}, {self.image_format}, {len(self.image)} bytes, "
            f"mask {width}x{height}, {len(self.references)} references, {len(self.runs)} runs)"
        )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, Mapping):
        return isinstance(b, Mapping) and dict(a) == dict(b)
    return bool(a == b)


# -- saving ----------------------------------------------------------------------------


def save_session(path: Path, state: SessionState) -> None:
    """Write `state` to `path` atomically: the old file stays whole if anything fails."""
    path = Path(path)
    try:
        data = session_bytes(state)
    except (TypeError, ValueError) as error:
        raise SessionError(
            "The session's settings could not be written; this is a bug in maskpaint, "
            "please report it.",
            detail=repr(error),
        ) from error
    try:
        write_bytes(path, data)
    except OSError as error:
        reason = error.strerror or str(error)
        raise SessionError(
            f"Could not save the session to {path} ({reason}); "
            "free some disk space or choose another folder.",
            detail=repr(error),
        ) from error


def session_bytes(state: SessionState) -> bytes:
    """The whole `.maskpaint` zip in memory, so the file write is one atomic step."""
    image_entry = f"image.{_EXTENSIONS[state.image_format]}"
    references = [
        {"file": _reference_entry(i, ref.filename), "filename": ref.filename, "mime": ref.mime}
        for i, ref in enumerate(state.references)
    ]
    height, width = state.coverage.shape
    manifest = {
        "kind": _KIND,
        "format_version": FORMAT_VERSION,
        "app_version": __version__,
        "created": datetime.now(UTC).isoformat(),
        "image": {"file": image_entry, "name": state.image_name, "format": state.image_format},
        "mask": {"file": MASK, "width": width, "height": height},
        "references": references,
    }
    runs = {"runs": list(state.runs), "unseen": list(state.unseen), "lineage": dict(state.lineage)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # Images are already compressed: storing them costs no bytes and saves the time.
        archive.writestr(MANIFEST, _json(manifest), zipfile.ZIP_DEFLATED)
        archive.writestr(image_entry, state.image, zipfile.ZIP_STORED)
        archive.writestr(MASK, _coverage_png(state.coverage), zipfile.ZIP_STORED)
        archive.writestr(PROMPT, state.prompt.encode("utf-8"), zipfile.ZIP_DEFLATED)
        archive.writestr(OPTIONS, _json(dict(state.options)), zipfile.ZIP_DEFLATED)
        for ref, entry in zip(state.references, references, strict=True):
            archive.writestr(entry["file"], ref.data, zipfile.ZIP_STORED)
        archive.writestr(RUNS, _json(runs), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _reference_entry(index: int, filename: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", Path(filename.replace("\\", "/")).name).lstrip(".")
    return f"references/{index + 1:02d}-{stem[-80:] or 'image'}"


def _coverage_png(coverage: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(coverage), "L").save(
        buffer, "PNG", compress_level=_MASK_COMPRESS_LEVEL
    )
    return buffer.getvalue()


def _json(value: Any) -> bytes:
    # allow_nan=False: NaN is not JSON, and another tool reading the file would choke.
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False).encode("utf-8")


# -- loading ---------------------------------------------------------------------------


def load_session(path: Path) -> SessionState:
    """Read and check a `.maskpaint` file; every problem is a SessionError with one sentence."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            return _read(_Parts(archive, path.name))
    except zipfile.BadZipFile as error:
        raise SessionError(
            f"{path.name} is not a maskpaint session (it is not a zip archive); "
            "choose a .maskpaint file saved by maskpaint.",
            detail=repr(error),
        ) from error
    except FileNotFoundError as error:
        raise SessionError(
            f"The session file {path} does not exist; it may have been moved or deleted.",
            detail=repr(error),
        ) from error
    except OSError as error:
        reason = error.strerror or str(error)
        raise SessionError(
            f"Could not read the session file {path} ({reason}); check that it is readable.",
            detail=repr(error),
        ) from error


class _Parts:
    """Reads entries of the archive by exact name only, with size and type checks."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self.archive = archive
        self.name = name
        self.names = frozenset(archive.namelist())

    def damaged(self, what: str, detail: str | None = None) -> SessionError:
        return SessionError(
            f"The session file {self.name} is damaged ({what}); "
            "open an earlier copy or start the session again.",
            detail=detail,
        )

    def read(self, entry: str, limit: int = _MAX_IMAGE_BYTES) -> bytes:
        if entry not in self.names:
            raise self.damaged(f"{entry} is missing")
        if self.archive.getinfo(entry).file_size > limit:
            raise self.damaged(f"{entry} is too large")
        try:
            return self.archive.read(entry)
        except (zipfile.BadZipFile, ValueError, NotImplementedError) as error:
            raise self.damaged(f"{entry} cannot be unpacked", repr(error)) from error

    def json(self, entry: str, kind: type) -> Any:
        try:
            value = json.loads(self.read(entry, _MAX_TEXT_BYTES))
        except ValueError as error:
            raise self.damaged(f"{entry} is not valid JSON", repr(error)) from error
        if not isinstance(value, kind):
            raise self.damaged(f"{entry} has the wrong shape")
        return value

    def text(self, entry: str) -> str:
        try:
            return self.read(entry, _MAX_TEXT_BYTES).decode("utf-8")
        except UnicodeDecodeError as error:
            raise self.damaged(f"{entry} is not UTF-8 text", repr(error)) from error


def _read(parts: _Parts) -> SessionState:
    manifest = parts.json(MANIFEST, dict)
    _check_version(manifest, parts.name)
    image_meta = _field(parts, manifest, "image", dict)
    image_format = _field(parts, image_meta, "format", str)
    if image_format not in _EXTENSIONS:
        raise parts.damaged(f"unknown image format {image_format!r}")
    image = parts.read(f"image.{_EXTENSIONS[image_format]}")
    size = _image_size(parts, image)
    coverage = _coverage(parts, size)
    runs = parts.json(RUNS, dict)
    return SessionState(
        image=image,
        image_name=_field(parts, image_meta, "name", str),
        image_format=image_format,
        coverage=coverage,
        prompt=parts.text(PROMPT),
        options=parts.json(OPTIONS, dict),
        references=_references(parts, _field(parts, manifest, "references", list)),
        runs=_strings(parts, runs, "runs"),
        lineage=_field(parts, runs, "lineage", dict),
        unseen=_strings(parts, runs, "unseen"),
    )


def _check_version(manifest: dict[str, Any], name: str) -> None:
    version = manifest.get("format_version")
    if manifest.get("kind") != _KIND or not isinstance(version, int):
        raise SessionError(
            f"{name} is not a maskpaint session (its manifest is not maskpaint's); "
            "choose a .maskpaint file saved by maskpaint."
        )
    if version > FORMAT_VERSION:
        made_by = manifest.get("app_version", "a later version")
        raise SessionError(
            f"{name} was made by a newer maskpaint ({made_by}); "
            f"update maskpaint (this is {__version__}) to open it.",
            detail=f"format_version {version} > {FORMAT_VERSION}",
        )


def _field(parts: _Parts, mapping: dict[str, Any], key: str, kind: type) -> Any:
    value = mapping.get(key)
    if not isinstance(value, kind):
        raise parts.damaged(f"{key!r} is missing or has the wrong type")
    return value


def _strings(parts: _Parts, mapping: dict[str, Any], key: str) -> tuple[str, ...]:
    values = _field(parts, mapping, key, list)
    if not all(isinstance(value, str) for value in values):
        raise parts.damaged(f"{key!r} holds something other than run ids")
    return tuple(values)


def _image_size(parts: _Parts, data: bytes) -> tuple[int, int]:
    """The photo's upright size (the mask's size), decoding it fully to catch corruption."""
    try:
        loaded = open_image(data)
    except ImageError as error:
        raise parts.damaged("its photo cannot be decoded", error.user_message) from error
    return loaded.image.size


def _coverage(parts: _Parts, size: tuple[int, int]) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(parts.read(MASK))) as mask:
            if mask.format != "PNG" or mask.mode != "L":
                raise parts.damaged("mask.png is not an 8-bit grey PNG")
            mask_size = mask.size
            coverage = np.array(mask, dtype=np.uint8)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise parts.damaged("mask.png cannot be decoded", repr(error)) from error
    if mask_size != size:
        raise parts.damaged(
            f"its mask is {mask_size[0]}×{mask_size[1]} but its photo is {size[0]}×{size[1]}"
        )
    return coverage


def _references(parts: _Parts, entries: list[Any]) -> tuple[ImageFile, ...]:
    files = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise parts.damaged("a reference image entry has the wrong shape")
        name, filename, mime = entry.get("file"), entry.get("filename"), entry.get("mime")
        # Only names this module writes: never a path the archive chose ("../..", "/etc").
        if not (isinstance(name, str) and _REFERENCE.fullmatch(name) and ".." not in name):
            raise parts.damaged("a reference image has an unsafe name", repr(name))
        if not isinstance(filename, str) or mime not in _MIMES:
            raise parts.damaged(f"the reference image {name} is not described properly")
        data = parts.read(name)
        try:
            open_image(data)
        except ImageError as error:
            raise parts.damaged(f"the reference image {filename} cannot be decoded") from error
        files.append(ImageFile(data=data, filename=filename, mime=str(mime)))
    return tuple(files)
