"""The `maskpaint` command: the GUI by default, plus headless subcommands.

`maskpaint [IMAGE] [--mask M] [--prompt P]` opens the app; `maskpaint mask|edit|serve ...`
run without a window. Errors raised on purpose print one line and exit non-zero;
no traceback reaches the terminal.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from maskpaint.core.errors import MaskpaintError
from maskpaint.core.logs import redact, setup_logging
from maskpaint.server.command import COMMAND as SERVE_COMMAND

Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]


def _gui_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", nargs="?", type=Path, help="photo (or .maskpaint session) to open")
    parser.add_argument("--mask", type=Path, help="mask to load onto the photo")
    parser.add_argument("--prompt", help="prompt to fill in")


def _run_gui(args: argparse.Namespace) -> int:
    from maskpaint.gui.app import run_app

    return run_app(image=args.image, mask=args.mask, prompt=args.prompt)


def _edit_arguments(parser: argparse.ArgumentParser) -> None:
    from maskpaint.edit_command import add_arguments

    add_arguments(parser)


def _run_edit(args: argparse.Namespace) -> int:
    from maskpaint.edit_command import run

    return run(args)


def _mask_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", type=Path, help="the photo the mask is for")
    parser.add_argument("mask_in", type=Path, metavar="MASK_IN", help="mask made by another tool")
    parser.add_argument("-o", "--output", type=Path, required=True, help="where to write the PNG")
    parser.add_argument(
        "--convention",
        choices=("auto", "alpha", "luma"),
        default="auto",
        help="how MASK_IN marks the edit: alpha 0 (the API's form), white (luma), or detect",
    )
    parser.add_argument("--invert", action="store_true", help="edit what the mask keeps")
    parser.add_argument(
        "--feather",
        type=int,
        default=0,
        metavar="N",
        help="soften the edge over N px and send that whole band, so the model blends the seam",
    )
    parser.add_argument(
        "--resize", action="store_true", help="scale a mask of another size (nearest neighbour)"
    )


def _run_mask(args: argparse.Namespace) -> int:
    import numpy as np

    from maskpaint.core.errors import MaskError
    from maskpaint.core.imageio import open_image
    from maskpaint.core.mask import Mask

    photo = open_image(args.image).info
    source = open_image(args.mask_in)
    size = (photo.width, photo.height)
    if (source.info.width, source.info.height) != size and not args.resize:
        raise MaskError(
            f"The mask is {source.info.width}×{source.info.height} but the image is "
            f"{photo.width}×{photo.height}; pass --resize to scale the mask to the image."
        )
    mask = Mask.from_image(source.image, size, convention=args.convention, resize=args.resize)
    if args.invert:
        mask.invert()
    if args.feather:
        # The API's mask is hard-edged (alpha 0 or 255), so a soft edge cannot be sent as
        # such: send the whole feathered band, and the model redraws the seam itself.
        mask.feather(args.feather)
        mask.replace(np.where(mask.coverage > 0, np.uint8(255), np.uint8(0)))
    data = mask.to_api_png()
    args.output.write_bytes(data)
    resized = (
        ""
        if (source.info.width, source.info.height) == size
        else (f", resized from {source.info.width}×{source.info.height}")
    )
    print(
        f"wrote {args.output}: {photo.width}×{photo.height} RGBA PNG, "
        f"{mask.edited_fraction():.1%} to edit, {len(data):,} bytes{resized}"
    )
    return 0


#: Subcommands by name: (help, add_arguments, run). The GUI is the default command.
COMMANDS: dict[str, Command] = {
    "mask": (
        "Convert a mask from another tool into the API's mask for IMAGE: an RGBA PNG of "
        "exactly its size, alpha 0 where the image is to be edited.",
        _mask_arguments,
        _run_mask,
    ),
    "edit": (
        "Edit a photo through the image-edit API and save the results (no window).",
        _edit_arguments,
        _run_edit,
    ),
}
COMMANDS["serve"] = SERVE_COMMAND


def _build_parser(name: str | None) -> argparse.ArgumentParser:
    if name is None:
        parser = argparse.ArgumentParser(
            prog="maskpaint",
            description="Paint a mask on a photo and edit it with an image-edit API. "
            f"Subcommands: {', '.join(COMMANDS)} (maskpaint SUBCOMMAND --help).",
        )
        _gui_arguments(parser)
        return parser
    help_text, add_arguments, _ = COMMANDS[name]
    parser = argparse.ArgumentParser(prog=f"maskpaint {name}", description=help_text)
    add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    name = argv[0] if argv and argv[0] in COMMANDS else None
    parser = _build_parser(name)
    args = parser.parse_args(argv[1:] if name else argv)
    run = COMMANDS[name][2] if name else _run_gui
    setup_logging()
    try:
        return run(args)
    except MaskpaintError as error:
        print(f"maskpaint: {error.user_message}", file=sys.stderr)
        return 1
    except OSError as error:  # a file that cannot be read or written
        where = f" ({error.filename})" if error.filename else ""
        print(f"maskpaint: {error.strerror or error}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("maskpaint: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: say so in one line, keep the traceback for the log
        logging.getLogger("maskpaint").exception("unexpected error")
        print(
            f"maskpaint: unexpected error: {type(error).__name__}: {redact(str(error))}",
            file=sys.stderr,
        )
        return 70
