"""GenerationController against the real embedded server: every variant on disk first,
partials, cancel, retries, errors that keep the mask, parallel n, lineage, regenerate."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest

from maskpaint.core.history import History
from maskpaint.core.request import EditRequest, ImageFile
from maskpaint.core.settings import Settings, SettingsStore
from maskpaint.gui.backend import choose_backend
from maskpaint.gui.generation import FROM_CANVAS, OPEN_SETTINGS, GenerationController
from maskpaint.gui.generation_job import PreflightRefused, RunOpened, VariantSaved
from maskpaint.server import EmbeddedServer, Fault
from tests.gui.generation_support import (
    Recorder,
    decoded_size,
    edited_pixels,
    paint_stroke,
    run_json,
)

PROMPT = "a glass of orange juice"


def template(**fields: object) -> EditRequest:
    return EditRequest(images=(), prompt=PROMPT, **fields)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_openai_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's OPENAI_* variables must not send test edits anywhere."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)


def make_controller(window, **settings: object) -> tuple[GenerationController, History]:
    SettingsStore().save(Settings(**settings))  # type: ignore[arg-type]
    history = History()
    controller = GenerationController(window.document, choose_backend(), history, window)
    return controller, history


@pytest.fixture
def controller(qtbot, window, local_server) -> Iterator[GenerationController]:
    made, history = make_controller(window, base_url=local_server.base_url)
    yield made
    made.cancel_all()
    qtbot.waitUntil(lambda: made.running == 0, timeout=10000)
    history.close()


def wait_end(qtbot, recorder: Recorder, controller: GenerationController) -> None:
    qtbot.waitUntil(lambda: recorder.ended() and controller.running == 0, timeout=30000)


def test_painted_mask_and_variants_land_in_the_history_folder(qtbot, window, controller):
    paint_stroke(qtbot, window.canvas)
    painted = window.document.mask.binary().copy()
    recorder = Recorder.attach(controller)
    saved_when_shown: list[bool] = []
    controller.variant_arrived.connect(
        lambda run_id, saved: saved_when_shown.append(saved.path.read_bytes() == saved.variant.data)
    )
    fractions: list[float] = []
    controller.fraction_changed.connect(fractions.append)
    controller.generate(template(n=2))
    wait_end(qtbot, recorder, controller)

    assert 1.0 in fractions and fractions[-1] == -1.0  # all sent, then waiting/receiving
    assert all(-1.0 <= f <= 1.0 for f in fractions)
    run_id, opened = recorder.first("run_started")
    assert isinstance(opened, RunOpened) and opened.run_id == run_id
    folder = opened.path
    assert np.array_equal(edited_pixels(folder / "mask.png"), painted)
    request = run_json(folder, "request.json")
    assert request["prompt"] == PROMPT and request["fields"]["n"] == 2
    assert decoded_size(folder / "image-0.png") == (600, 400)
    assert saved_when_shown == [True, True]
    variants = [args[1] for args in recorder.args("variant_arrived")]
    assert sorted(v.variant.index for v in variants) == [0, 1]
    for saved in variants:
        assert saved.path.parent == folder and decoded_size(saved.path) == (600, 400)
    response = run_json(folder, "response.json")
    assert response["usage"]["output_tokens"] > 0
    names = recorder.names()
    assert names.index("run_started") < names.index("variant_arrived") < names.index("run_finished")


def test_streamed_partials_arrive_before_their_final_image(qtbot, controller, window):
    paint_stroke(qtbot, window.canvas)
    recorder = Recorder.attach(controller)
    controller.generate(template(n=1, stream=True, partial_images=2))
    wait_end(qtbot, recorder, controller)
    names = recorder.names()
    partials = [args[1] for args in recorder.args("partial_arrived")]
    assert [p.partial_index for p in partials] == [0, 1]
    assert max(i for i, n in enumerate(names) if n == "partial_arrived") < names.index(
        "variant_arrived"
    )
    assert all(decoded_size_of(p.data) == (600, 400) for p in partials)


def decoded_size_of(data: bytes) -> tuple[int, int]:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.size


def test_cancel_mid_stream_stops_within_a_second_and_keeps_mask_and_run(
    qtbot, controller, window, local_server
):
    paint_stroke(qtbot, window.canvas)
    painted = window.document.mask.coverage.copy()
    local_server.push_faults(Fault("slow", seconds=20))
    recorder = Recorder.attach(controller)
    controller.generate(template(n=1, stream=True, partial_images=2))
    qtbot.waitUntil(lambda: "run_started" in recorder.names(), timeout=10000)
    qtbot.wait(300)  # the answer has begun dribbling in
    asked = time.monotonic()
    assert controller.cancel()
    wait_end(qtbot, recorder, controller)
    failed_at = next(t for n, _, t in recorder.events if n == "run_failed")
    assert failed_at - asked < 1.0
    assert np.array_equal(window.document.mask.coverage, painted)
    _, message = recorder.first("run_failed")
    assert "cancelled" in message
    folder = recorder.first("run_started")[1].path
    assert run_json(folder, "error.json")["cancelled"] is True
    assert recorder.messages() == []  # the user asked for it: no error banner


def test_429_shows_the_retry_then_the_result(qtbot, controller, window, local_server):
    paint_stroke(qtbot, window.canvas)
    local_server.push_faults(Fault("status", status=429, headers={"Retry-After": "1"}))
    recorder = Recorder.attach(controller)
    controller.generate(template(n=1))
    wait_end(qtbot, recorder, controller)
    assert recorder.args("retry_pending") == [
        ("Rate limited, retrying in 1 s; the edit goes on by itself.",)
    ]
    assert recorder.messages() == []
    names = recorder.names()
    assert names.index("retry_pending") < names.index("retry_over") <= names.index("run_finished")
    assert len(recorder.args("variant_arrived")) == 1
    assert len(local_server.received) == 2


ERRORS = {
    "400": ([Fault("status", status=400)], "The API rejected the request"),
    "500": ([Fault("status", status=500)] * 3, "The server had a problem (HTTP 500)"),
    "html": ([Fault("html", status=502)] * 3, "with an HTML page instead of the API's answer"),
    "truncated": ([Fault("truncate", after_bytes=2000)], "cut off"),
    "moderation": (
        [
            Fault(
                "status",
                status=400,
                body={
                    "error": {
                        "message": "Your request was rejected by the safety system.",
                        "type": "image_generation_user_error",
                        "param": None,
                        "code": "moderation_blocked",
                    }
                },
            )
        ],
        "The safety system refused this edit",
    ),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_show_a_plain_message_and_keep_the_mask(
    qtbot, controller, window, local_server, case
):
    faults, expected = ERRORS[case]
    paint_stroke(qtbot, window.canvas)
    painted = window.document.mask.coverage.copy()
    local_server.push_faults(*faults)
    recorder = Recorder.attach(controller)
    controller.generate(template(n=1))
    wait_end(qtbot, recorder, controller)
    ((text, action),) = recorder.args("message")
    assert expected in text and action == ""
    assert "Traceback" not in text
    _, failed_text = recorder.first("run_failed")
    assert failed_text == text
    assert np.array_equal(window.document.mask.coverage, painted)
    folder = recorder.first("run_started")[1].path
    assert run_json(folder, "error.json")["user_message"] == text
    assert (folder / "mask.png").exists()


def test_401_says_the_key_was_refused_and_offers_settings(qtbot, window):
    with EmbeddedServer(api_key="sk-the-right-one") as guarded:
        SettingsStore().set_api_key("sk-a-wrong-key")
        controller, history = make_controller(window, base_url=guarded.base_url)
        recorder = Recorder.attach(controller)
        paint_stroke(qtbot, window.canvas)
        controller.generate(template(n=1))
        wait_end(qtbot, recorder, controller)
        history.close()
    text, action = recorder.first("message")
    assert "The API key was refused" in text and action == OPEN_SETTINGS
    assert "sk-a-wrong-key" not in text
    assert window.document.mask.edited_fraction() > 0


def test_preflight_problems_refuse_before_anything_is_sent(qtbot, controller, window, local_server):
    recorder = Recorder.attach(controller)
    controller.generate(template(n=40))
    wait_end(qtbot, recorder, controller)
    (refusal,) = recorder.first("refused")
    assert isinstance(refusal, PreflightRefused)
    assert "The number of variants must be 1 to 10, not 40." in recorder.messages()[0]
    assert local_server.received == []
    assert "run_started" not in recorder.names()


def test_no_painted_mask_sends_no_mask_and_says_so(qtbot, controller, local_server):
    recorder = Recorder.attach(controller)
    controller.generate(template(n=1))
    wait_end(qtbot, recorder, controller)
    opened = recorder.first("run_started")[1]
    assert opened.request.mask is None
    assert any("No mask is painted" in fix for fix in opened.fixes)
    assert "mask" not in local_server.received[0].files


def test_n_as_parallel_requests_merges_single_answers_into_one_run(qtbot, window, local_server):
    controller, history = make_controller(
        window, base_url=local_server.base_url, n_as_parallel_requests=True, max_parallel=2
    )
    paint_stroke(qtbot, window.canvas)
    alone = Recorder.attach(controller)
    controller.generate(template(n=1))
    wait_end(qtbot, alone, controller)
    one_image = run_json(alone.first("run_started")[1].path, "response.json")["usage"]
    local_server.clear()
    recorder = Recorder.attach(controller)
    controller.generate(template(n=3))
    wait_end(qtbot, recorder, controller)
    history.close()
    assert [r.fields["n"] for r in local_server.received] == ["1", "1", "1"]
    outcome = recorder.first("run_finished")[1]
    assert [v.index for v in outcome.result.variants] == [0, 1, 2]
    folder = recorder.first("run_started")[1].path
    assert sorted(p.name for p in folder.glob("variant-*")) == [
        "variant-0.png",
        "variant-1.png",
        "variant-2.png",
    ]
    usage = run_json(folder, "response.json")["usage"]
    assert usage["output_tokens"] == 3 * one_image["output_tokens"]


def test_use_as_base_swaps_the_photo_undoably_and_records_lineage(
    qtbot, controller, window, local_server
):
    paint_stroke(qtbot, window.canvas)
    original = window.document.image
    recorder = Recorder.attach(controller)
    controller.generate(template(n=2, size="1536x1024"))
    wait_end(qtbot, recorder, controller)
    run_id = recorder.first("run_started")[0]
    second: VariantSaved = recorder.args("variant_arrived")[1][1]
    controller.use_as_base(run_id, second.variant.index)
    qtbot.waitUntil(lambda: window.document.image is not original, timeout=10000)
    assert window.document.image.size == (1536, 1024)
    assert window.document.pixels.rgb().shape == (1024, 1536, 3)  # the selection tools' view
    assert window.document.mask.edited_fraction() == 0
    assert window.document.lineage is not None
    assert window.document.lineage.run_id == run_id

    paint_stroke(qtbot, window.canvas, y=500, x0=300, x1=1200)
    recorder2 = Recorder.attach(controller)
    controller.generate(template(n=1))
    wait_end(qtbot, recorder2, controller)
    child = recorder2.first("run_started")[1].path
    settings = run_json(child, "request.json")["settings"]
    assert settings == {"parent_run": run_id, "parent_variant": second.variant.index}

    window.document.undo_stack.undo()  # the stroke on the variant
    window.document.undo_stack.undo()  # Use as new base
    assert window.document.image is original
    assert window.document.lineage is None
    assert window.document.mask.edited_fraction() > 0  # the first stroke is back


def test_regenerate_sends_the_recorded_request_again(qtbot, controller, window, local_server):
    paint_stroke(qtbot, window.canvas)
    recorder = Recorder.attach(controller)
    controller.generate(template(n=1, quality="low"))
    wait_end(qtbot, recorder, controller)
    run_id = recorder.first("run_started")[0]
    window.document.apply(lambda mask: mask.clear(), "Clear")  # the canvas no longer matters

    again = Recorder.attach(controller)
    controller.regenerate(run_id)
    wait_end(qtbot, again, controller)
    first, second = local_server.received
    assert second.fields == first.fields
    assert second.files == first.files
    new_folder = again.first("run_started")[1].path
    assert (new_folder / "mask.png").read_bytes() == (
        recorder.first("run_started")[1].path / "mask.png"
    ).read_bytes()
    assert run_json(new_folder, "request.json")["settings"]["regenerated_from"] == run_id


def test_several_runs_at_once_and_cancel_takes_the_newest(qtbot, controller, window, local_server):
    paint_stroke(qtbot, window.canvas)
    local_server.push_faults(Fault("delay", seconds=2), Fault("delay", seconds=2))
    recorder = Recorder.attach(controller)
    controller.generate(template(n=1))
    controller.generate(template(n=1))
    qtbot.waitUntil(lambda: len(recorder.args("run_started")) == 2, timeout=10000)
    assert controller.running == 2
    controller.cancel()
    qtbot.waitUntil(lambda: controller.running == 0, timeout=10000)
    ((finished_id, _),) = recorder.args("run_finished")
    ((failed_id, _),) = recorder.args("run_failed")
    assert finished_id != failed_id
    started = [args[0] for args in recorder.args("run_started")]
    assert set(started) == {finished_id, failed_id}


def test_reference_images_go_after_the_photo_as_image_array(
    qtbot, controller, window, local_server, samples_dir
):
    reference = ImageFile((samples_dir / "rocket.jpg").read_bytes(), "rocket.jpg", "image/jpeg")
    paint_stroke(qtbot, window.canvas)
    recorder = Recorder.attach(controller)
    controller.generate(EditRequest(images=(FROM_CANVAS, reference), prompt=PROMPT, n=1))
    wait_end(qtbot, recorder, controller)
    files = local_server.received[0].files
    assert files["image[]#0"][:2] == ("coffee.png", "image/png")
    assert files["image[]#1"] == ("rocket.jpg", "image/jpeg", len(reference.data))
    folder = recorder.first("run_started")[1].path
    assert (folder / "image-1.jpg").read_bytes() == reference.data
