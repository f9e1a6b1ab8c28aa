"""The embedded server: what HTTP, streaming and a busy worker cost on top of the pixel work.

Baseline: the same n=4 variants rendered and PNG-encoded in-process, no HTTP. Then the
same edit as a b64 answer and as a stream with 2 partials per image. Last, how long
GET /v1/models takes while an edit is being rendered, against an idle server: CPU work
runs off the event loop, so the ratio should stay near 1.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import httpx2
import numpy as np
from PIL import Image

from bench.table import median, print_table, timings
from maskpaint.core.request import ImageFile
from maskpaint.server import EmbeddedServer
from maskpaint.server import results as server_results
from maskpaint.server.inpaint import variant_plan
from maskpaint.server.validation import EditParams, load_inputs

SIZE = (1536, 1024)
N = 4
REPEAT = 5


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


def _inputs() -> tuple[bytes, bytes]:
    here = Path(__file__).resolve()
    photo_path = next(
        (
            p / "shared" / "samples" / "coffee.png"
            for p in here.parents
            if (p / "shared" / "samples" / "coffee.png").exists()
        ),
        here.parents[1] / "resources" / "sample.png",
    )
    photo = np.asarray(Image.open(photo_path).convert("RGB").resize(SIZE))
    mask = np.full((SIZE[1], SIZE[0], 4), 255, dtype=np.uint8)
    mask[300:620, 500:1000, 3] = 0  # about a tenth of the picture
    return _png(photo), _png(mask)


def _in_process(image: bytes, mask: bytes) -> None:
    params = EditParams(
        model="gpt-image-1.5",
        prompt="p",
        images=(ImageFile(image, "photo.png", "image/png"),),
        mask=ImageFile(mask, "mask.png", "image/png"),
        n=N,
        size=None,
        quality=None,
        background=None,
        output_format=None,
        output_compression=None,
        response_format=None,
        stream=False,
        partial_images=0,
        user=None,
    )
    inputs = load_inputs(params)
    for variant in variant_plan(N):
        final = server_results.render_variant(params, inputs, variant)
        server_results.encode_final(params, inputs, final, variant)


def main() -> None:
    image, mask = _inputs()
    files = [
        ("image", ("photo.png", image, "image/png")),
        ("mask", ("mask.png", mask, "image/png")),
    ]
    with EmbeddedServer() as server, httpx2.Client(timeout=120) as client:
        url = f"{server.base_url}/images/edits"

        def edit(**extra: str) -> None:
            response = client.post(url, data={"prompt": "p", "n": str(N), **extra}, files=files)
            response.raise_for_status()

        def models() -> None:
            client.get(f"{server.base_url}/models").raise_for_status()

        _in_process(image, mask)  # warm-up: imports, thread pool, first allocations
        edit()
        baseline = median(timings(lambda: _in_process(image, mask), REPEAT))
        plain = median(timings(edit, REPEAT))
        streamed = median(timings(lambda: edit(stream="true", partial_images="2"), REPEAT))
        idle = median(timings(models, 20))
        busy = _models_while_busy(server.base_url, files, models)
    print_table(
        f"Embedded server, n={N} edits of a {SIZE[0]}x{SIZE[1]} PNG (median of {REPEAT})",
        ["case", "seconds", "ratio"],
        [
            ["in-process render + encode (baseline)", baseline, 1.0],
            ["HTTP, b64_json answer", plain, plain / baseline],
            ["HTTP, stream with 2 partials per image", streamed, streamed / baseline],
        ],
    )
    print()
    print_table(
        "GET /v1/models latency (median of 20)",
        ["server state", "seconds", "ratio"],
        [["idle (baseline)", idle, 1.0], ["rendering an edit", busy, busy / idle]],
    )


def _models_while_busy(base_url: str, files: list, models) -> float:
    """Median models latency measured while edits keep the worker threads busy."""
    stop = threading.Event()

    def keep_busy() -> None:
        with httpx2.Client(timeout=120) as busy_client:
            while not stop.is_set():
                busy_client.post(
                    f"{base_url}/images/edits", data={"prompt": "p", "n": str(N)}, files=files
                )

    worker = threading.Thread(target=keep_busy)
    worker.start()
    try:
        return median(timings(models, 20))
    finally:
        stop.set()
        worker.join()
