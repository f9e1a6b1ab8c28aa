"""History at 10,000 runs: open + list, search and rebuild, against scanning the folders.

The baseline is what a history without an index would do: read every run's
request.json, then sort (or grep) in Python. Both sides run on the same folder, in
the same process, with a warm file cache.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from bench.table import median, print_table, timings
from maskpaint.core.history import History
from maskpaint.core.request import EditRequest, ImageFile

N_RUNS = 10_000
NEEDLE = "lighthouse"  # in 1 prompt of 100
_VOCABULARY = (
    "red blue green cup glass table window sky cloud tree dog cat car street lamp chair "
    "plate bread sunset snow beach hat coat river bridge tower garden flower book"
)
WORDS = _VOCABULARY.split()


def _png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, "PNG")
    return buffer.getvalue()


def _request(rng: random.Random, i: int) -> EditRequest:
    words = rng.sample(WORDS, 6) + ([NEEDLE] if i % 100 == 0 else [])
    return EditRequest(
        images=(ImageFile(_png((i % 256, 0, 0)), "photo.png", "image/png"),),
        prompt="replace the " + " ".join(words),
        mask=ImageFile(_png((0, 0, 0)), "mask.png", "image/png"),
        size="1024x1024",
    )


def _write_run(history: History, request: EditRequest, i: int) -> None:
    """One run as the app writes it; 1 in 50 fails, 1 in 100 is left unfinished."""
    run = history.start_run(request, base_url="https://api.openai.com/v1")
    if i % 50 == 1:
        run.fail(user_message="Rate limited.", status=429)
        return
    run.add_variant(0, request.images[0].data, "png")
    if i % 100 != 2:
        run.finish(usage={"total_tokens": 4160}, timings={"total": 12.0})


@contextlib.contextmanager
def _no_fsync() -> Iterator[None]:
    """Fill the folder fast: the 10,000 runs are scenery, not what is measured.
    (The write row of the table measures runs written with fsync, as the app does.)"""
    real = os.fsync
    os.fsync = lambda fd: None
    try:
        yield
    finally:
        os.fsync = real


def _write_plain(folder: Path, request: EditRequest) -> None:
    """The same bytes with plain writes: no temp file, no fsync, no index, no thumbnail."""
    folder.mkdir()
    (folder / "image-0.png").write_bytes(request.images[0].data)
    (folder / "request.json").write_text(json.dumps({"prompt": request.prompt}))
    (folder / "variant-0.png").write_bytes(request.images[0].data)
    (folder / "response.json").write_text("{}")


def _scan(root: Path) -> list[dict[str, object]]:
    requests = []
    for folder in root.iterdir():
        if folder.is_dir():
            requests.append(json.loads((folder / "request.json").read_bytes()))
    return requests


def _scan_newest(root: Path, limit: int = 200) -> list[dict[str, object]]:
    return sorted(_scan(root), key=lambda r: str(r["created"]), reverse=True)[:limit]


def _scan_search(root: Path, word: str, limit: int = 200) -> list[dict[str, object]]:
    hits = [r for r in _scan(root) if word in str(r["prompt"]).lower()]
    return sorted(hits, key=lambda r: str(r["created"]), reverse=True)[:limit]


def _open_and_list(root: Path) -> None:
    history = History(root)
    assert len(history.runs(limit=200)) == 200
    history.close()


def main(n_runs: int = N_RUNS) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="maskpaint-bench-") as tmp:
        root = Path(tmp) / "history"
        history = History(root)
        requests = [_request(rng, i) for i in range(n_runs)]
        with _no_fsync(), ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda i: _write_run(history, requests[i], i), range(n_runs)))
        sample = 200
        write_api = median(timings(lambda: _write_run(history, requests[3], 3), repeat=sample))
        plain_root = Path(tmp) / "plain"
        plain_root.mkdir()
        counter = iter(range(sample))
        write_plain = median(
            timings(lambda: _write_plain(plain_root / str(next(counter)), requests[3]), sample)
        )
        total = n_runs + sample
        found = [s.run_id for s in history.runs(query=NEEDLE, limit=total)]
        assert found == [r["run_id"] for r in _scan_search(root, NEEDLE, total)], "FTS != scan"
        hits = len(found)

        open_list = median(timings(lambda: _open_and_list(root), repeat=20))
        search = median(timings(lambda: history.runs(query=NEEDLE), repeat=20))
        rebuild = median(timings(history.rebuild_index, repeat=3))
        scan_list = median(timings(lambda: _scan_newest(root), repeat=3))
        scan_search = median(timings(lambda: _scan_search(root, NEEDLE), repeat=3))
        history.close()

    ms = 1000.0
    print_table(
        f"History with {total:,} runs (median ms; ratio = baseline / maskpaint)",
        ["operation", "maskpaint ms", "baseline", "baseline ms", "ratio"],
        [
            ["open History + newest 200", open_list * ms, "scan request.json + sort",
             scan_list * ms, f"{scan_list / open_list:.0f}x faster"],
            [f"search '{NEEDLE}' ({hits} hits)", search * ms, "scan request.json + grep",
             scan_search * ms, f"{scan_search / search:.0f}x faster"],
            ["rebuild_index", rebuild * ms, "scan request.json only",
             scan_list * ms, f"{rebuild / scan_list:.1f}x the scan's time"],
            ["write one run (start, variant, finish)", write_api * ms, "plain writes, same bytes",
             write_plain * ms, f"{write_api / write_plain:.1f}x the plain writes' time"],
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
