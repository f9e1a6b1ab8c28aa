"""The server's answers validate against the official OpenAPI schemas."""

from __future__ import annotations

import json

import httpx2

from maskpaint.server import Fault
from tests.server.spec import validate


def post(server, sample, **fields):
    data = {"prompt": "p", **{k: str(v) for k, v in fields.items()}}
    return httpx2.post(f"{server.base_url}/images/edits", data=data, files=sample.parts())


def sse_events(text: str) -> list[tuple[str | None, str]]:
    """(event, data) pairs of a text/event-stream body."""
    events = []
    for block in text.strip().split("\n\n"):
        event, data = None, []
        for line in block.splitlines():
            field, _, value = line.partition(": ")
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
        events.append((event, "\n".join(data)))
    return events


def test_b64_answer_is_an_images_response(local_server, sample):
    body = post(local_server, sample, n=2, quality="high").json()
    validate("ImagesResponse", body)
    assert body["quality"] == "high"
    assert body["background"] == "opaque"


def test_url_answer_is_an_images_response(local_server, sample):
    body = post(local_server, sample, model="dall-e-2", response_format="url").json()
    validate("ImagesResponse", body)
    assert set(body["data"][0]) == {"url", "revised_prompt"}


def test_every_stream_event_is_an_image_edit_stream_event(local_server, sample):
    response = post(local_server, sample, stream="true", partial_images=3, n=2)
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert events[-1] == (None, "[DONE]")
    kinds = []
    for event, data in events[:-1]:
        payload = json.loads(data)
        validate("ImageEditStreamEvent", payload)
        assert payload["type"] == event
        kinds.append(event)
    per_image = ["image_edit.partial_image"] * 3 + ["image_edit.completed"]
    assert kinds == per_image * 2
    for _, data in events[:-1]:
        payload = json.loads(data)
        schema = (
            "ImageEditCompletedEvent"
            if payload["type"] == "image_edit.completed"
            else "ImageEditPartialImageEvent"
        )
        validate(schema, payload)


def test_stream_without_partials_sends_only_completed_events(local_server, sample):
    events = sse_events(post(local_server, sample, stream="true").text)
    assert [e for e, _ in events] == ["image_edit.completed", None]


def test_error_answers_are_error_responses(local_server, sample):
    validate("ErrorResponse", post(local_server, sample, n=99).json())
    local_server.push_faults(Fault("status", 429))
    validate("ErrorResponse", post(local_server, sample).json())


def test_stream_error_fault_sends_one_partial_then_an_error_event(local_server, sample):
    local_server.push_faults(Fault("stream_error"))
    events = sse_events(post(local_server, sample, stream="true", partial_images=2).text)
    assert [e for e, _ in events] == ["image_edit.partial_image", "error"]
    validate("ImageEditPartialImageEvent", json.loads(events[0][1]))
    validate("ErrorResponse", json.loads(events[1][1]))


def test_generation_events_fault_streams_image_generation_events(local_server, sample):
    local_server.push_faults(Fault("generation_events"))
    events = sse_events(post(local_server, sample, stream="true", partial_images=1, n=2).text)
    per_image = ["image_generation.partial_image", "image_generation.completed"]
    assert [e for e, _ in events] == [*per_image, *per_image, None]
    for event, data in events[:-1]:
        payload = json.loads(data)
        assert payload["type"] == event
        validate("ImageGenStreamEvent", payload)
        schema = (
            "ImageGenCompletedEvent" if event.endswith("completed") else "ImageGenPartialImageEvent"
        )
        validate(schema, payload)
    local_server.push_faults(Fault("generation_events"))
    validate("ImagesResponse", post(local_server, sample).json())  # not a stream: as usual


def test_an_in_stream_error_says_what_the_servers_500_says(local_server, sample):
    local_server.push_faults(Fault("stream_error"), Fault("status", 500))
    events = sse_events(post(local_server, sample, stream="true", partial_images=1).text)
    assert json.loads(events[-1][1]) == post(local_server, sample).json()
