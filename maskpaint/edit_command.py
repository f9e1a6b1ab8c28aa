"""`maskpaint edit`: one image edit from a script, each variant saved the moment it arrives.

Progress goes to stderr, the paths written go to stdout (one per line, as they are
written), so `maskpaint edit ... | xargs open` works. Without a key or base URL the
embedded local server does the edit, and the command says so.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from maskpaint.core.api import (
    ApiError,
    ClientConfig,
    EditResult,
    ImageEditClient,
    Progress,
    Variant,
)
from maskpaint.core.errors import MaskpaintError
from maskpaint.core.imageio import mime_for, open_image, sniff_format
from maskpaint.core.preflight import preflight
from maskpaint.core.pricing import estimate_before, estimate_from_usage
from maskpaint.core.request import DEFAULT_MODEL, EditRequest, ImageFile
from maskpaint.edit_compose import add_arguments as add_compose_arguments
from maskpaint.edit_compose import prepare as prepare_compose


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="photo(s) to edit")
    parser.add_argument("--mask", type=Path, help="PNG whose transparent pixels mark the edit")
    parser.add_argument("--prompt", required=True, help="what to paint into the masked area")
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"default {DEFAULT_MODEL}")
    parser.add_argument("-n", type=int, help="number of variants (1-10)")
    parser.add_argument("--size", help="e.g. 1024x1024, 1536x1024, auto")
    parser.add_argument("--quality", help="low, medium, high or auto")
    parser.add_argument("--background", help="transparent, opaque or auto")
    parser.add_argument("--output-format", help="png, jpeg or webp")
    parser.add_argument("--stream", action="store_true", help="stream, with previews")
    parser.add_argument("--partial-images", type=int, help="previews while streaming (0-3)")
    parser.add_argument("--base-url", help="API base URL (default: $OPENAI_BASE_URL or OpenAI)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the results")
    add_compose_arguments(parser)


def run(args: argparse.Namespace) -> int:
    request, composer = prepare_compose(args, _build_request(args), _say)
    report = preflight(request)
    for fix in report.fixes:
        _say(f"fixed: {fix.message}")
    for warning in report.warnings:
        _say(f"warning: {warning}")
    if not report.ok:
        for problem in report.problems:
            _say(f"problem: {problem.message}")
        _say("nothing was sent; fix the problems above and run again.")
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    saver = _Saver(args.out, args.images[0].stem)
    on_variant = saver.save if composer is None else composer.saving(saver.save)
    with _client(args.base_url) as client:
        local = client.config.uses_local_backend  # free: no cost estimate
        try:
            result = client.edit(
                report.request,
                on_variant=on_variant,
                on_partial=lambda p: _say(f"preview {p.partial_index + 1} of image {p.index + 1}"),
                on_progress=_ProgressPrinter(),
            )
        except ApiError as error:
            kept = (
                f" ({len(saver.paths)} image(s) already saved in {args.out})" if saver.paths else ""
            )
            print(f"maskpaint: {error.user_message}{kept}", file=sys.stderr)
            return 1
    for note in result.notes:
        _say(note)
    cost = "" if local else _cost(report.request, result)
    _say(f"done: {len(result.variants)} image(s) in {result.elapsed:.1f} s{cost}")
    return 1 if composer is not None and composer.failed else 0


def _cost(request: EditRequest, result: EditResult) -> str:
    """ ", ≈ $0.04 (usage tokens)" when the price table knows the model, else nothing."""
    if result.usage is not None:
        estimate = estimate_from_usage(request.model, result.usage)
    else:
        n = len(result.variants)
        estimate = estimate_before(request.model, size=result.size, quality=result.quality, n=n)
    return f", {estimate.describe()}" if estimate.usd is not None else ""


def _say(line: str) -> None:
    clear = "\r\033[K" if sys.stderr.isatty() else ""  # over an in-place progress line
    print(f"{clear}maskpaint: {line}", file=sys.stderr, flush=True)


def _image_file(path: Path) -> ImageFile:
    """Check that the file opens as an image; send its bytes unchanged with their MIME type."""
    loaded = open_image(path)
    return ImageFile(path.read_bytes(), path.name, mime_for(loaded.info.format))


def _mask_file(path: Path) -> ImageFile:
    """The mask goes as given (preflight says if it is not an RGBA PNG of the right size)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MaskpaintError(f"Cannot read the mask {path}; check the path.") from exc
    fmt = sniff_format(data) or "PNG"
    try:
        mime = mime_for(fmt)
    except ValueError:
        mime = "image/png"
    return ImageFile(data, path.name, mime)


def _build_request(args: argparse.Namespace) -> EditRequest:
    return EditRequest(
        images=tuple(_image_file(path) for path in args.images),
        prompt=args.prompt,
        mask=_mask_file(args.mask) if args.mask else None,
        model=args.model,
        n=args.n,
        size=args.size,
        quality=args.quality,
        background=args.background,
        output_format=args.output_format,
        stream=True if args.stream or args.partial_images is not None else None,
        partial_images=args.partial_images,
    )


@contextmanager
def _client(base_url: str | None) -> Iterator[ImageEditClient]:
    """A client for the configured API, or for the embedded server when nothing is set."""
    config = ClientConfig.from_env(os.environ, base_url=base_url)
    if config.is_configured:
        with ImageEditClient(config) as client:
            yield client
        return
    from maskpaint.server import EmbeddedServer

    server = EmbeddedServer("127.0.0.1")
    server.start()
    _say(
        "no API key or base URL set: using the built-in local server "
        f"({server.base_url}), which inpaints classically and ignores the prompt"
    )
    try:
        with ImageEditClient(ClientConfig(base_url=server.base_url)) as client:
            yield client
    finally:
        server.stop()


class _Saver:
    """Writes each variant to the output folder at once, never over an existing file."""

    def __init__(self, folder: Path, stem: str) -> None:
        self.folder = folder
        self.stem = stem
        self.paths: list[Path] = []

    def save(self, variant: Variant) -> Path:
        extension = "jpg" if variant.format == "jpeg" else variant.format
        number = variant.index + 1
        path = self.folder / f"{self.stem}-edit-{number}.{extension}"
        while path.exists():
            number += 1
            path = self.folder / f"{self.stem}-edit-{number}.{extension}"
        path.write_bytes(variant.data)
        self.paths.append(path)
        print(path, flush=True)
        return path


class _ProgressPrinter:
    """Progress on stderr: a line per phase, updated in place on a terminal."""

    def __init__(self) -> None:
        self._phase = ""
        self._tty = sys.stderr.isatty()

    def __call__(self, progress: Progress) -> None:
        if self._tty:
            end = "\n" if progress.phase == "retrying" else ""
            print(f"\r\033[Kmaskpaint: {progress.message}", end=end, file=sys.stderr, flush=True)
        elif progress.phase != self._phase or progress.phase == "retrying":
            _say(progress.message)
        self._phase = progress.phase
