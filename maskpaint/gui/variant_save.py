"""Save as… for a variant: pick a file and a format, then write it through core imageio."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from maskpaint.core.errors import MaskpaintError
from maskpaint.core.imageio import EncodeFormat, encode, open_image, sniff_format

FILTERS: dict[str, EncodeFormat] = {
    "PNG image (*.png)": "PNG",
    "JPEG image (*.jpg *.jpeg)": "JPEG",
    "WebP image (*.webp)": "WEBP",
}
_BY_SUFFIX: dict[str, EncodeFormat] = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".webp": "WEBP",
}
_SUFFIX = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}


class SaveError(MaskpaintError):
    """A variant could not be written where the designer asked."""


def ask_save_path(parent: QWidget, stem: str) -> tuple[Path, EncodeFormat] | None:
    """The file and format the designer chose (the typed suffix wins over the filter)."""
    start = str(Path.home() / f"{stem}.png") if Path.home().is_dir() else f"{stem}.png"
    name, chosen = QFileDialog.getSaveFileName(parent, "Save variant as", start, ";;".join(FILTERS))
    if not name:
        return None
    path = Path(name)
    fmt = _BY_SUFFIX.get(path.suffix.lower()) or FILTERS.get(chosen, "PNG")
    if path.suffix.lower() not in _BY_SUFFIX:
        path = path.with_suffix(_SUFFIX[fmt])
    return path, fmt


def save_variant(data: bytes, path: Path, fmt: EncodeFormat) -> Path:
    """Write the variant as `fmt`; the API's own bytes untouched when the format already matches.

    Runs on a worker: re-encoding a 1536x1024 PNG takes long enough to stall the window.
    """
    if (sniff_format(data) or "").upper() == fmt:
        payload = data
    else:
        payload = encode(open_image(data).image, fmt)
    try:
        path.write_bytes(payload)
    except OSError as error:
        reason = error.strerror or str(error)
        raise SaveError(
            f"Could not save {path.name} ({reason}); choose another folder or free some space.",
            detail=repr(error),
        ) from error
    return path
