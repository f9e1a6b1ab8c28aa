"""The `maskpaint` command: the GUI by default, plus headless subcommands.

`maskpaint [IMAGE] [--mask M] [--prompt P]` opens the app; `maskpaint mask|edit|serve ...`
run without a window. Errors raised on purpose print one line and exit non-zero;
no traceback reaches the terminal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from maskpaint.core.errors import MaskpaintError

Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]


def _gui_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", nargs="?", type=Path, help="photo to open")
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


#: Subcommands by name: (help, add_arguments, run). The GUI is the default command.
COMMANDS: dict[str, Command] = {}
COMMANDS["edit"] = (
    "Edit a photo through the image-edit API and save the results (no window).",
    _edit_arguments,
    _run_edit,
)


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
    try:
        return run(args)
    except MaskpaintError as error:
        print(f"maskpaint: {error.user_message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("maskpaint: interrupted", file=sys.stderr)
        return 130
