"""Runs on disk: every input, mask and variant is a file, byte for byte, before it is shown."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from maskpaint.core import atomic
from maskpaint.core.history import History, HistoryError
from tests.core.history_helpers import LOCAL_URL, encode, files_in, make_request, photo_request


@pytest.fixture
def history() -> History:
    return History()


def test_history_lives_under_maskpaint_home(history, maskpaint_home):
    assert history.root == maskpaint_home / "history"
    assert (history.root / "index.sqlite3").is_file()


def test_start_run_writes_inputs_mask_and_request_byte_exact(history, coffee_path):
    request = photo_request(coffee_path)
    run = history.start_run(request, base_url="https://api.openai.com/v1")

    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", run.run_id)
    stamp = datetime.strptime(run.run_id[:15], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - stamp) < timedelta(minutes=1)
    assert files_in(run.path) == {"image-0.png", "image-1.jpg", "mask.png", "request.json"}
    assert (run.path / "image-0.png").read_bytes() == coffee_path.read_bytes()
    assert (run.path / "image-1.jpg").read_bytes() == request.images[1].data
    assert request.mask is not None
    assert (run.path / "mask.png").read_bytes() == request.mask.data

    saved = json.loads((run.path / "request.json").read_text())
    assert saved["prompt"] == request.prompt
    assert saved["model"] == "gpt-image-1.5"
    assert saved["fields"] == request.set_fields()
    assert saved["base_url_host"] == "api.openai.com"
    assert [image["filename"] for image in saved["images"]] == [coffee_path.name, "reference.jpg"]
    assert saved["mask"] == {
        "file": "mask.png",
        "filename": "mask.png",
        "mime": "image/png",
        "bytes": len(request.mask.data),
    }


def test_request_json_keeps_the_host_never_the_key_or_query_tokens(history):
    secret = "sk-test-SECRET-123"
    run = history.start_run(
        make_request(),
        base_url="https://user:hunter2@gateway.example.com:8443/v1?token=abc123",
        settings={
            "api_key": secret,
            "headers": {"Authorization": f"Bearer {secret}", "OpenAI-Project": "proj_1"},
            "base_url": "https://gateway.example.com/v1?key=zzz",
            "composite": True,
            "padding": 32,
        },
    )
    text = (run.path / "request.json").read_text()
    saved = json.loads(text)
    assert saved["base_url_host"] == "gateway.example.com:8443"
    assert saved["settings"] == {
        "headers": {"OpenAI-Project": "proj_1"},
        "base_url": "gateway.example.com",
        "composite": True,
        "padding": 32,
    }
    for leak in (secret, "hunter2", "abc123", "zzz", "/v1"):
        assert leak not in text


def test_variant_is_on_disk_the_moment_it_arrives(history):
    run = history.start_run(make_request(), base_url=LOCAL_URL)
    data = encode((255, 0, 0), (64, 64))

    path = run.add_variant(0, data, "png")

    assert path == run.path / "variant-0.png"
    assert path.read_bytes() == data
    [summary] = history.runs()
    assert (summary.status, summary.n_variants) == ("running", 1)
    assert summary.base_url_host == "127.0.0.1:8123"


def test_variant_extension_follows_the_output_format(history):
    run = history.start_run(make_request(), base_url=LOCAL_URL)
    assert run.add_variant(1, encode((1, 2, 3), fmt="JPEG"), "jpeg").name == "variant-1.jpg"
    assert run.add_variant(2, encode((1, 2, 3), fmt="WEBP"), "webp").name == "variant-2.webp"


def test_finish_writes_response_json(history):
    run = history.start_run(make_request(), base_url=LOCAL_URL)
    run.add_variant(0, encode((0, 255, 0)), "png")
    usage = {"input_tokens": 300, "output_tokens": 4160, "total_tokens": 4460}

    run.finish(
        usage=usage,
        revised_prompts=("a red lighthouse at dusk, oil painting",),
        request_id="req_123",
        timings={"upload": 0.2, "total": 14.5},
        cost=0.042,
        notes=("size changed to 1024x1024",),
    )

    response = json.loads((run.path / "response.json").read_text())
    assert response["usage"] == usage
    assert response["revised_prompts"] == ["a red lighthouse at dusk, oil painting"]
    assert response["request_id"] == "req_123"
    assert response["timings"] == {"upload": 0.2, "total": 14.5}
    assert response["cost"] == 0.042
    assert not (run.path / "error.json").exists()
    record = history.get(run.run_id)
    assert record.status == "done"
    assert record.response is not None
    assert record.response.usage == usage
    assert record.response.notes == ("size changed to 1024x1024",)
    assert history.runs()[0].status == "done"


def test_fail_writes_error_json_and_keeps_received_variants(history):
    run = history.start_run(make_request(n=3), base_url=LOCAL_URL)
    first = encode((9, 9, 9))
    run.add_variant(0, first, "png")

    run.fail(user_message="The server stopped answering; try again.", status=502, code="bad_gw")

    error = json.loads((run.path / "error.json").read_text())
    assert error["user_message"] == "The server stopped answering; try again."
    assert (error["status"], error["code"], error["cancelled"]) == (502, "bad_gw", False)
    record = history.get(run.run_id)
    assert record.status == "error"
    assert [p.read_bytes() for p in record.variants] == [first]
    [summary] = history.runs()
    assert (summary.status, summary.error, summary.n_variants) == (
        "error",
        "The server stopped answering; try again.",
        1,
    )


def test_cancelled_run_is_listed_as_cancelled(history):
    run = history.start_run(make_request(), base_url=LOCAL_URL)
    run.fail(user_message="Cancelled.", cancelled=True)
    assert history.runs()[0].status == "cancelled"
    assert history.get(run.run_id).failure.cancelled is True


def test_a_run_closes_only_once(history):
    run = history.start_run(make_request(), base_url=LOCAL_URL)
    run.finish()
    with pytest.raises(HistoryError):
        run.fail(user_message="late")
    assert not (run.path / "error.json").exists()


def test_run_of_a_killed_process_is_listed_interrupted_with_its_variants(maskpaint_home):
    script = textwrap.dedent(
        """
        import os, signal
        from maskpaint.core.history import History
        from tests.core.history_helpers import encode, make_request
        run = History().start_run(make_request("a crash mid-stream"), base_url="http://x")
        run.add_variant(0, encode((1, 2, 3)), "png")
        print(run.run_id, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    root = Path(__file__).resolve().parents[2]
    child = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert child.returncode == -9, child.stderr
    run_id = child.stdout.strip()

    [summary] = History().runs()
    assert (summary.run_id, summary.status, summary.n_variants) == (run_id, "interrupted", 1)
    record = History().get(run_id)
    assert record.status == "interrupted"
    assert record.variants[0].read_bytes() == encode((1, 2, 3))


def test_temp_files_of_unfinished_writes_are_never_picked_up(history):
    run = history.start_run(make_request(), base_url=LOCAL_URL)
    run.add_variant(0, encode((5, 5, 5)), "png")
    # What a crash in the middle of write_bytes leaves behind:
    (run.path / ".variant-1.png.x1y2z3.tmp").write_bytes(b"\x89PNG half")
    (run.path / ".response.json.a1b2c3.tmp").write_text('{"usage": ')

    record = history.get(run.run_id)
    assert [p.name for p in record.variants] == ["variant-0.png"]
    assert record.attachments == ()
    assert record.response is None
    history.rebuild_index()
    [summary] = history.runs()
    assert summary.n_variants == 1


def test_a_failed_write_leaves_no_file_under_the_final_name(history, monkeypatch):
    run = history.start_run(make_request(), base_url=LOCAL_URL)

    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", disk_full)
    with pytest.raises(HistoryError, match="No space left on device") as raised:
        run.add_variant(0, encode((5, 5, 5)), "png")

    assert "Settings" in raised.value.user_message
    assert files_in(run.path) == {"image-0.png", "mask.png", "request.json"}


def test_history_folder_that_cannot_be_created_is_a_history_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the history folder should be")
    with pytest.raises(HistoryError, match="Could not write to the history folder"):
        History(blocker / "history")


def test_save_file_attaches_extra_files(history):
    run = history.start_run(make_request(), base_url=LOCAL_URL)
    composite = encode((7, 7, 7), (80, 60))

    path = run.save_file("composite-0.png", composite)

    assert path.read_bytes() == composite
    assert history.get(run.run_id).attachments == (path,)


@pytest.mark.parametrize(
    "name", ["request.json", "mask.png", "variant-0.png", "image-0.png", "../escape.png", ".x"]
)
def test_save_file_refuses_names_the_run_itself_uses(history, name):
    run = history.start_run(make_request(), base_url=LOCAL_URL)
    with pytest.raises(HistoryError):
        run.save_file(name, b"x")


def test_thumbnail_comes_from_the_first_variant(history, coffee_path):
    run = history.start_run(photo_request(coffee_path), base_url=LOCAL_URL)
    run.add_variant(0, encode((250, 0, 0), (1536, 1024)), "png")
    run.add_variant(1, encode((0, 0, 250), (1536, 1024)), "png")
    run.finish()

    [summary] = history.runs()
    assert summary.thumbnail == run.path / "thumb.jpg"
    with Image.open(summary.thumbnail) as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (256, 171))
        red, green, blue = thumb.convert("RGB").getpixel((128, 85))
    assert red > 230 and green < 25 and blue < 25


def test_thumbnail_comes_from_the_input_when_no_variant_arrived(history, coffee_path):
    run = history.start_run(photo_request(coffee_path), base_url=LOCAL_URL)
    run.fail(user_message="Refused by moderation.", status=400, code="moderation_blocked")

    with Image.open(history.runs()[0].thumbnail) as thumb:
        assert thumb.size == (256, 171)


def test_transparent_variant_thumbnail_is_white_not_black(history):
    run = history.start_run(make_request(background="transparent"), base_url=LOCAL_URL)
    run.add_variant(0, encode((0, 0, 0, 0), (64, 64)), "png")
    with Image.open(run.path / "thumb.jpg") as thumb:
        assert min(thumb.convert("RGB").getpixel((32, 32))) > 240


def test_a_16_bit_variant_thumbnail_keeps_its_grey_instead_of_clipping_to_white(history):
    run = history.start_run(make_request(), base_url=LOCAL_URL)
    grey = io.BytesIO()
    Image.fromarray(np.full((64, 64), 32896, dtype=np.uint16)).save(grey, "PNG")
    run.add_variant(0, grey.getvalue(), "png")
    with Image.open(run.path / "thumb.jpg") as thumb:
        assert all(abs(c - 128) <= 3 for c in thumb.convert("RGB").getpixel((32, 32)))


def test_an_undecodable_variant_is_kept_and_the_run_still_finishes(history):
    run = history.start_run(make_request(), base_url=LOCAL_URL)
    path = run.add_variant(0, b"not an image at all", "png")
    run.finish()

    assert path.read_bytes() == b"not an image at all"
    [summary] = history.runs()
    assert (summary.status, summary.n_variants, summary.thumbnail) == ("done", 1, None)


def test_variants_from_parallel_workers_all_land(history):
    run = history.start_run(make_request(n=8), base_url=LOCAL_URL)
    images = [encode((i * 30, 0, 0)) for i in range(8)]
    threads = [
        threading.Thread(target=run.add_variant, args=(i, images[i], "png")) for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.finish()

    assert [p.read_bytes() for p in history.get(run.run_id).variants] == images
    assert history.runs()[0].n_variants == 8


def test_restore_request_round_trips_every_field(history, coffee_path):
    request = photo_request(coffee_path)
    run = history.start_run(request, base_url=LOCAL_URL)
    run.finish()

    assert history.get(run.run_id).restore_request() == request


def test_restore_request_without_a_mask(history):
    request = make_request(mask=None, size="1024x1024")
    run = history.start_run(request, base_url=LOCAL_URL)
    record = history.get(run.run_id)
    assert record.mask is None
    assert record.restore_request() == request


def test_restore_request_with_a_missing_input_says_which_file(history):
    run = history.start_run(make_request(), base_url=LOCAL_URL)
    (run.path / "image-0.png").unlink()
    with pytest.raises(HistoryError, match=r"image-0\.png"):
        history.get(run.run_id).restore_request()


def test_delete_removes_the_folder_and_the_listing(history):
    keep = history.start_run(make_request("keep me"), base_url=LOCAL_URL)
    gone = history.start_run(make_request("delete me"), base_url=LOCAL_URL)

    history.delete(gone.run_id)

    assert not gone.path.exists()
    assert [s.run_id for s in history.runs()] == [keep.run_id]
    assert History().runs()[0].run_id == keep.run_id


@pytest.mark.parametrize("run_id", ["../../etc", "20260101-000000-zzzzzz", "index.sqlite3"])
def test_get_refuses_anything_but_a_run_id(history, run_id):
    with pytest.raises(HistoryError):
        history.get(run_id)


def test_get_of_a_deleted_run_says_so(history):
    run = history.start_run(make_request(), base_url=LOCAL_URL)
    history.delete(run.run_id)
    with pytest.raises(HistoryError, match="no longer in the history"):
        history.get(run.run_id)
