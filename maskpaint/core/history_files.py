"""The layout of one run folder: what is written, under which name, and how it is read back.

Everything the index knows can be recovered from here (`scan_run`), which is what
makes the folder, not the database, the truth.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, ImageOps

from maskpaint.core import imageio
from maskpaint.core.atomic import is_temp_name, write_bytes
from maskpaint.core.errors import ImageError

log = logging.getLogger(__name__)

REQUEST = "request.json"
RESPONSE = "response.json"
ERROR = "error.json"
THUMB = "thumb.jpg"
THUMB_SIZE = 256
#: Folder names: <UTC YYYYmmdd-HHMMSS>-<hex id>. Anything else in the history folder is ignored.
RUN_ID = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6,32}")
_VARIANT = re.compile(r"variant-(\d+)\.[A-Za-z0-9]{1,5}")
_INPUT = re.compile(r"(image-\d+|mask)\.[A-Za-z0-9]{1,5}")
_RESERVED = frozenset({REQUEST, RESPONSE, ERROR, THUMB})
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
_FORMATS = {"png": "png", "jpeg": "jpg", "jpg": "jpg", "webp": "webp"}
# Settings names that could hold a credential are never written into a run.
_SECRET_NAME = re.compile(r"key|secret|passw|token|auth|cookie", re.IGNORECASE)


def extension_for_mime(mime: str, filename: str = "") -> str:
    """The file extension for an uploaded part: from its MIME type, else its name."""
    if mime in _EXTENSIONS:
        return _EXTENSIONS[mime]
    suffix = Path(filename).suffix.lstrip(".").lower()
    return suffix if re.fullmatch(r"[a-z0-9]{1,5}", suffix) else "bin"


def extension_for_format(fmt: str) -> str:
    """The file extension for an API `output_format` (png, jpeg, webp)."""
    fmt = fmt.lower().lstrip(".")
    if fmt in _FORMATS:
        return _FORMATS[fmt]
    return fmt if re.fullmatch(r"[a-z0-9]{1,5}", fmt) else "bin"


def variant_name(index: int, fmt: str) -> str:
    return f"variant-{index}.{extension_for_format(fmt)}"


def is_attachment_name(name: str) -> bool:
    """Whether `save_file` may write `name`: a plain file name that no run file uses."""
    return (
        bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", name))
        and name not in _RESERVED
        and not _VARIANT.fullmatch(name)
        and not _INPUT.fullmatch(name)
        and not is_temp_name(name)
    )


def url_host(base_url: str) -> str | None:
    """Host (and port) of a base URL: never its path, query or user:password part."""
    parts = urlsplit(base_url if "//" in base_url else f"//{base_url}")
    host = parts.hostname
    if not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


def safe_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings fit for request.json: no credential-like names, URLs cut to their host."""
    out: dict[str, Any] = {}
    for name, value in settings.items():
        if _SECRET_NAME.search(str(name)):
            continue
        if isinstance(value, Mapping):
            value = safe_settings(value)
        elif isinstance(value, str) and urlsplit(value).scheme in ("http", "https"):
            value = url_host(value)
        out[str(name)] = value
    return out


def to_json(value: Mapping[str, Any]) -> bytes:
    # default=str: a Path or datetime in a settings mapping must not fail a paid run.
    return json.dumps(value, indent=2, ensure_ascii=False, default=str).encode("utf-8") + b"\n"


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in `path`, or None if it is missing or unreadable."""
    try:
        value = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        log.warning("cannot read %s: %s", path, error)
        return None
    return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class RunFiles:
    """What one run folder holds, read from disk."""

    folder: Path
    request: dict[str, Any]
    response: dict[str, Any] | None
    error: dict[str, Any] | None
    variants: tuple[Path, ...]
    attachments: tuple[Path, ...]
    thumb: Path | None

    @property
    def finished_status(self) -> str:
        """done / error / cancelled from the files; "running" when neither file exists."""
        if self.response is not None:
            return "done"
        if self.error is not None:
            return "cancelled" if self.error.get("cancelled") else "error"
        return "running"


def scan_run(folder: Path) -> RunFiles | None:
    """Read a run folder; None if it has no readable request.json (not a run)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError as error:
        log.warning("cannot list %s: %s", folder, error)
        return None
    request = read_json(folder / REQUEST) if REQUEST in names else None
    if request is None:
        return None
    variants: list[tuple[int, Path]] = []
    attachments: list[Path] = []
    thumb = None
    for name in names:
        if match := _VARIANT.fullmatch(name):
            variants.append((int(match.group(1)), folder / name))
        elif name == THUMB:
            thumb = folder / name
        elif is_attachment_name(name):
            attachments.append(folder / name)
    return RunFiles(
        folder=folder,
        request=request,
        response=read_json(folder / RESPONSE) if RESPONSE in names else None,
        error=read_json(folder / ERROR) if ERROR in names else None,
        variants=tuple(path for _, path in sorted(variants)),
        attachments=tuple(attachments),
        thumb=thumb,
    )


def write_thumbnail(source: Path, target: Path) -> bool:
    """Write a small JPEG of `source`; False (logged, never raised) if it cannot be made."""
    try:
        with Image.open(source) as image:
            image.draft("RGB", (THUMB_SIZE, THUMB_SIZE))  # JPEG decodes at 1/2..1/8 scale
            small = ImageOps.exif_transpose(image)
            small.thumbnail((THUMB_SIZE, THUMB_SIZE))
            # imageio's JPEG: 16-bit and CMYK converted properly, transparency on white.
            data = imageio.encode(small, "JPEG", quality=85)
        write_bytes(target, data, durable=False)  # can be made again
    except (OSError, ValueError, Image.DecompressionBombError, ImageError) as error:
        log.warning("no thumbnail for %s: %s", source, error)
        return False
    return True
