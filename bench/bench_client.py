"""Client-side CPU time of one edit (n=4, 1536x1024 PNGs): maskpaint's client vs the openai SDK.

The embedded server runs in another process, so only the client's own work counts:
building and uploading the multipart body, reading the answer, decoding the images.
Both clients are warmed up first (imports, connection) and then timed alternately.
"""

from __future__ import annotations

import base64
import io
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from bench.table import median, print_table
from maskpaint.core.api import ClientConfig, ImageEditClient
from maskpaint.core.request import EditRequest, ImageFile

ROUNDS = 9
SIZE = (1536, 1024)
N = 4
_SERVER = (
    "import sys; from maskpaint.server import EmbeddedServer; "
    "s = EmbeddedServer('127.0.0.1'); s.start(); print(s.base_url, flush=True); "
    "sys.stdin.read(); s.stop()"
)


def _photo() -> bytes:
    """A photo-like 1536x1024 PNG (the sample upscaled), as a designer would send."""
    sample = Path(__file__).resolve().parents[1] / "resources" / "sample.png"
    with Image.open(sample) as image:
        big = image.convert("RGB").resize(SIZE, Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    big.save(buffer, "PNG")
    return buffer.getvalue()


def _mask() -> bytes:
    mask = Image.new("RGBA", SIZE, (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (700, 450, 760, 510))  # small: keeps the server quick
    buffer = io.BytesIO()
    mask.save(buffer, "PNG")
    return buffer.getvalue()


def _our_edit(base_url: str, photo: bytes, mask: bytes) -> Callable[[], list[bytes]]:
    request = EditRequest(
        images=(ImageFile(photo, "photo.png", "image/png"),),
        mask=ImageFile(mask, "mask.png", "image/png"),
        prompt="a red apple",
        n=N,
    )
    client = ImageEditClient(ClientConfig(base_url=base_url, api_key="sk-bench"))
    return lambda: [v.data for v in client.edit(request).variants]


def _sdk_edit(base_url: str, photo: bytes, mask: bytes) -> Callable[[], list[bytes]]:
    from openai import OpenAI

    client = OpenAI(base_url=base_url, api_key="sk-bench", max_retries=0)

    def one() -> list[bytes]:
        response = client.images.edit(
            image=("photo.png", photo, "image/png"),
            mask=("mask.png", mask, "image/png"),
            prompt="a red apple",
            model="gpt-image-1.5",
            n=N,
        )
        return [base64.b64decode(item.b64_json or "") for item in response.data or []]

    return one


def _cpu(edit: Callable[[], list[bytes]]) -> tuple[float, int]:
    start = time.process_time()
    images = edit()
    return time.process_time() - start, sum(len(i) for i in images)


def _measure(base_url: str, photo: bytes, mask: bytes) -> dict[str, tuple[list[float], int]]:
    """CPU seconds per edit for each client, warmed up, timed alternately round by round."""
    edits = {"sdk": _sdk_edit(base_url, photo, mask), "ours": _our_edit(base_url, photo, mask)}
    for edit in edits.values():
        edit()  # warm-up: imports, connection, first-use caches
    times: dict[str, list[float]] = {name: [] for name in edits}
    received = dict.fromkeys(edits, 0)
    for _ in range(ROUNDS):
        for name, edit in edits.items():
            seconds, received[name] = _cpu(edit)
            times[name].append(seconds)
    return {name: (times[name], received[name]) for name in edits}


def main() -> None:
    photo, mask = _photo(), _mask()
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        measured = _measure(base_url, photo, mask)
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=30)
    sdk = median(measured["sdk"][0])
    rows = [
        ("openai SDK (+ b64decode)", measured["sdk"]),
        ("maskpaint ImageEditClient", measured["ours"]),
    ]
    print_table(
        f"Client CPU for one edit (n={N}, {SIZE[0]}x{SIZE[1]} PNG, {len(photo) / 1e6:.1f} MB "
        f"up, median of {ROUNDS})",
        ["client", "CPU ms (median)", "CPU ms (min)", "image bytes received", "ratio vs SDK"],
        [
            [label, median(times) * 1000, min(times) * 1000, size, median(times) / sdk]
            for label, (times, size) in rows
        ],
    )


if __name__ == "__main__":
    main()
