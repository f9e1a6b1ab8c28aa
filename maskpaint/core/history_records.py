"""What a run is, as values: a History panel row (`RunSummary`) and a reopened run (`RunRecord`).

Summaries come from the index; records, and the rows a rebuild writes, come from
the files alone (see history_files.py), so a run reopens even when the index is gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from maskpaint.core.errors import MaskpaintError
from maskpaint.core.history_files import RunFiles
from maskpaint.core.history_index import IndexRow
from maskpaint.core.request import EditRequest, ImageFile

Status = Literal["running", "done", "error", "cancelled", "interrupted"]
_REQUEST_FIELDS = frozenset(f.name for f in fields(EditRequest)) - {"images", "mask", "prompt"}


class HistoryError(MaskpaintError):
    """The history folder could not be written or read."""


@dataclass(frozen=True)
class RunSummary:
    """One line of the History panel."""

    run_id: str
    path: Path
    created: datetime
    prompt: str
    model: str
    n_variants: int
    status: Status
    thumbnail: Path | None
    base_url_host: str | None
    error: str | None


@dataclass(frozen=True)
class StoredImage:
    """An input image or mask as saved: the file, and the name and MIME type it was sent as."""

    path: Path
    filename: str
    mime: str


@dataclass(frozen=True)
class RunResponse:
    """What response.json records about a finished run."""

    usage: Mapping[str, Any] | None
    revised_prompts: tuple[str | None, ...]
    request_id: str | None
    timings: Mapping[str, float]
    cost: float | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class RunFailure:
    """What error.json records about a run that failed or was cancelled."""

    user_message: str
    status: int | None
    code: str | None
    cancelled: bool


@dataclass(frozen=True)
class RunRecord:
    """Everything needed to reopen a run, read from its folder."""

    run_id: str
    path: Path
    created: datetime
    status: Status
    prompt: str
    model: str
    fields: Mapping[str, Any]
    inputs: tuple[StoredImage, ...]
    mask: StoredImage | None
    variants: tuple[Path, ...]
    attachments: tuple[Path, ...]
    base_url_host: str | None
    settings: Mapping[str, Any]
    response: RunResponse | None
    failure: RunFailure | None

    def restore_request(self) -> EditRequest:
        """The request as it was sent, for "Regenerate" and "restore to the canvas"."""
        known = {name: value for name, value in self.fields.items() if name in _REQUEST_FIELDS}
        return EditRequest(
            images=tuple(_read_part(image) for image in self.inputs),
            prompt=self.prompt,
            mask=_read_part(self.mask) if self.mask else None,
            model=self.model,
            **known,
        )


def _read_part(image: StoredImage) -> ImageFile:
    try:
        data = image.path.read_bytes()
    except OSError as error:
        raise HistoryError(
            f"The run's file {image.path.name} is missing, so its request cannot be restored.",
            detail=str(error),
        ) from error
    return ImageFile(data=data, filename=image.filename, mime=image.mime)


def created_of(files: RunFiles) -> datetime:
    """When the run started: request.json's time, else the folder name's (to the second)."""
    text = files.request.get("created")
    if isinstance(text, str):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    return datetime.strptime(files.folder.name[:15], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)


def row_from_files(files: RunFiles) -> IndexRow:
    """The index row of a run folder: what a rebuild writes."""
    request, error = files.request, files.error
    return IndexRow(
        run_id=files.folder.name,
        created=created_of(files).isoformat(),
        prompt=str(request.get("prompt", "")),
        model=str(request.get("model", "")),
        status=files.finished_status,
        n_variants=len(files.variants),
        thumb=files.thumb.name if files.thumb else None,
        host=request.get("base_url_host"),
        error=str(error.get("user_message", "")) if error else None,
    )


def _stored(folder: Path, part: Any) -> StoredImage | None:
    if not isinstance(part, dict) or not isinstance(part.get("file"), str):
        return None
    name = Path(part["file"]).name  # never follow a path out of the folder
    return StoredImage(folder / name, str(part.get("filename", name)), str(part.get("mime", "")))


def record_from_files(files: RunFiles, status: Status) -> RunRecord:
    """Everything about a run, from its files; `status` is the caller's (it knows live runs)."""
    request = files.request
    inputs = [_stored(files.folder, part) for part in request.get("images", [])]
    return RunRecord(
        run_id=files.folder.name,
        path=files.folder,
        created=created_of(files),
        status=status,
        prompt=str(request.get("prompt", "")),
        model=str(request.get("model", "")),
        fields=MappingProxyType(dict(request.get("fields") or {})),
        inputs=tuple(image for image in inputs if image is not None),
        mask=_stored(files.folder, request.get("mask")),
        variants=files.variants,
        attachments=files.attachments,
        base_url_host=request.get("base_url_host"),
        settings=MappingProxyType(dict(request.get("settings") or {})),
        response=_response(files.response),
        failure=_failure(files.error),
    )


def _response(data: dict[str, Any] | None) -> RunResponse | None:
    if data is None:
        return None
    return RunResponse(
        usage=MappingProxyType(data["usage"]) if isinstance(data.get("usage"), dict) else None,
        revised_prompts=tuple(data.get("revised_prompts") or ()),
        request_id=data.get("request_id"),
        timings=MappingProxyType(dict(data.get("timings") or {})),
        cost=data.get("cost"),
        notes=tuple(data.get("notes") or ()),
    )


def _failure(data: dict[str, Any] | None) -> RunFailure | None:
    if data is None:
        return None
    return RunFailure(
        user_message=str(data.get("user_message", "")),
        status=data.get("status"),
        code=data.get("code"),
        cancelled=bool(data.get("cancelled")),
    )


def folder_error(folder: Path, error: BaseException) -> HistoryError:
    """A disk error as one sentence a designer can act on."""
    reason = getattr(error, "strerror", None) or str(error)
    return HistoryError(
        f"Could not write to the history folder {folder} ({reason}); "
        "free some disk space or choose another data folder in Settings.",
        detail=repr(error),
    )
