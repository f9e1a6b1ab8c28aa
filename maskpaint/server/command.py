"""`maskpaint serve`: the embedded server in the foreground until Ctrl+C.

Kept free of heavy imports: the CLI builds its command table from this module.
"""

from __future__ import annotations

import argparse
import os
import sys

from maskpaint.core.errors import MaskpaintError

HELP = (
    "Run the local OpenAI-compatible image-edit server (classical inpainting; prompts are "
    "ignored). Point OPENAI_BASE_URL at the printed URL."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="require the API key held in environment variable VAR (never pass a key itself)",
    )
    parser.add_argument(
        "--serve-urls",
        action="store_true",
        help="answer GPT image models with file URLs instead of base64, as some gateways do",
    )
    parser.add_argument(
        "--work-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="pretend each edit takes this long (to try progress and cancel)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (anyone who can reach it can use the server)",
    )


def _api_key(variable: str | None) -> str | None:
    if variable is None:
        return None
    key = os.environ.get(variable, "").strip()
    if not key:
        raise MaskpaintError(
            f"The environment variable {variable} is empty or not set; "
            "set it to the key clients must send, or leave out --api-key-env."
        )
    return key


def run(args: argparse.Namespace) -> int:
    from maskpaint.core.api_config import is_loopback
    from maskpaint.server.embedded import EmbeddedServer

    if not is_loopback(args.host) and not args.allow_remote:
        raise MaskpaintError(
            f"Refusing to listen on {args.host}: the local server is meant for this computer "
            "only and anyone on the network could use it; pass --allow-remote to do it anyway."
        )
    server = EmbeddedServer(
        args.host,
        args.port,
        api_key=_api_key(args.api_key_env),
        serve_urls=args.serve_urls,
        work_delay=args.work_delay,
    )
    server.start()
    print(
        f"maskpaint serve: listening on {server.base_url} "
        "(classical inpainting; prompts are ignored)",
        flush=True,
    )
    try:
        server.wait()
    except KeyboardInterrupt:
        print("maskpaint serve: stopped", file=sys.stderr)
    finally:
        server.stop()
    return 0


COMMAND = (HELP, add_arguments, run)
