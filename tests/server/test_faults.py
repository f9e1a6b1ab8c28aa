"""Every fault kind, seen by a raw httpx2 client over real HTTP."""

from __future__ import annotations

import json
import re

import httpx2
import pytest

from maskpaint.server import Fault
from tests.server.conftest import decode_b64


def post_edit(server, sample, client=None, **fields):
    data = {"prompt": "a red balloon", **{k: str(v) for k, v in fields.items()}}
    poster = client or httpx2
    return poster.post(f"{server.base_url}/images/edits", data=data, files=sample.parts())


def test_status_fault_answers_429_with_retry_after(local_server, sample):
    local_server.push_faults(Fault("status", 429, headers={"Retry-After": "1"}))
    response = post_edit(local_server, sample)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert response.json()["error"]["code"] == "rate_limit_exceeded"
    assert response.headers["x-request-id"].startswith("req_")


def test_a_faults_own_headers_replace_the_servers_defaults(local_server, sample):
    own = {"X-Request-ID": "req_42", "openai-processing-ms": "7"}
    local_server.push_faults(Fault("status", 500, headers=own), Fault("html", 502, headers=own))
    for _ in range(2):
        response = post_edit(local_server, sample)
        assert response.headers.get_list("x-request-id") == ["req_42"]
        assert response.headers.get_list("openai-processing-ms") == ["7"]
        assert response.headers["x-maskpaint-note"].startswith("classical inpainting")


def test_status_fault_sends_the_given_body(local_server, sample):
    body = {
        "error": {
            "message": "You exceeded your current quota.",
            "type": "insufficient_quota",
            "param": None,
            "code": "insufficient_quota",
        }
    }
    local_server.push_faults(Fault("status", 429, body=body))
    response = post_edit(local_server, sample)
    assert response.status_code == 429
    assert response.json() == body


def test_faults_are_consumed_in_order_then_answers_are_normal(local_server, sample):
    local_server.push_faults(Fault("status", 500), Fault("status", 503))
    statuses = [post_edit(local_server, sample).status_code for _ in range(3)]
    assert statuses == [500, 503, 200]


def test_html_fault_answers_a_proxy_error_page(local_server, sample):
    local_server.push_faults(Fault("html", 502))
    response = post_edit(local_server, sample)
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>502 Bad Gateway</h1>" in response.text


def test_delay_fault_holds_the_answer_back(local_server, sample):
    local_server.push_faults(Fault("delay", seconds=2.0))
    with pytest.raises(httpx2.ReadTimeout):
        post_edit(local_server, sample, client=httpx2.Client(timeout=httpx2.Timeout(5, read=0.3)))
    assert post_edit(local_server, sample).status_code == 200


def test_drop_fault_closes_the_connection_without_a_response(local_server, sample):
    local_server.push_faults(Fault("drop"))
    with pytest.raises(httpx2.RemoteProtocolError, match="without sending a response"):
        post_edit(local_server, sample)
    assert post_edit(local_server, sample).status_code == 200


def test_truncate_fault_sends_full_length_header_and_part_of_the_body(local_server, sample):
    local_server.push_faults(Fault("truncate", after_bytes=100))
    received = bytearray()
    with httpx2.Client() as client:
        request = client.build_request(
            "POST",
            f"{local_server.base_url}/images/edits",
            data={"prompt": "a red balloon"},
            files=sample.parts(),
        )
        response = client.send(request, stream=True)
        assert response.status_code == 200
        declared = int(response.headers["content-length"])
        with pytest.raises(httpx2.RemoteProtocolError, match="complete message body"):
            for chunk in response.iter_raw():
                received.extend(chunk)
    assert len(received) == 100
    assert declared > 1000
    assert bytes(received).startswith(b'{"created":')


def test_slow_fault_sends_the_whole_body_in_many_chunks(local_server, sample):
    local_server.push_faults(Fault("slow", seconds=0.4))
    chunks = []
    with httpx2.Client() as client:
        request = client.build_request(
            "POST",
            f"{local_server.base_url}/images/edits",
            data={"prompt": "a red balloon"},
            files=sample.parts(),
        )
        response = client.send(request, stream=True)
        chunks = list(response.iter_raw())
    body = json.loads(b"".join(chunks))
    assert len(chunks) > 5
    assert len(body["data"]) == 1


def test_garbage_fault_answers_200_with_bytes_that_are_not_json(local_server, sample):
    local_server.push_faults(Fault("garbage"))
    response = post_edit(local_server, sample)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(ValueError):  # not UTF-8 text, let alone JSON
        json.loads(response.content)


def test_empty_fault_answers_200_with_no_body(local_server, sample):
    local_server.push_faults(Fault("empty"))
    response = post_edit(local_server, sample)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == "0"


def chat_content(response) -> str:
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["role"] == "assistant"
    return body["choices"][0]["message"]["content"]


def test_chat_completion_fault_links_images_as_markdown_urls(local_server, sample):
    local_server.push_faults(Fault("chat_completion", body="url"))
    content = chat_content(post_edit(local_server, sample, n=2))
    urls = re.findall(r"!\[[^\]]*\]\((http[^)]+)\)", content)
    assert len(urls) == 2
    assert all(httpx2.get(url).content.startswith(b"\x89PNG") for url in urls)


def test_chat_completion_fault_embeds_data_uris(local_server, sample):
    local_server.push_faults(Fault("chat_completion", body="data"))
    content = chat_content(post_edit(local_server, sample))
    (encoded,) = re.findall(r"\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", content)
    assert decode_b64(encoded).shape == sample.pixels.shape


def test_chat_completion_fault_mixes_urls_and_data_uris_by_default(local_server, sample):
    local_server.push_faults(Fault("chat_completion"))
    content = chat_content(post_edit(local_server, sample, n=2))
    assert "](http://127.0.0.1:" in content
    assert "](data:image/png;base64," in content


def test_expire_urls_fault_answers_urls_that_are_already_gone(local_server, sample):
    fields = {"model": "dall-e-2", "response_format": "url"}
    earlier = post_edit(local_server, sample, **fields).json()["data"][0]["url"]
    assert httpx2.get(earlier).status_code == 200
    local_server.push_faults(Fault("expire_urls"))
    expired = post_edit(local_server, sample, **fields).json()["data"][0]["url"]
    assert httpx2.get(expired).status_code == 404
    assert httpx2.get(earlier).status_code == 404


def test_stream_error_fault_on_a_plain_request_answers_its_status(local_server, sample):
    local_server.push_faults(Fault("stream_error", 500))
    assert post_edit(local_server, sample).status_code == 500


def test_truncate_fault_cuts_a_stream_mid_event(local_server, sample):
    local_server.push_faults(Fault("truncate", after_bytes=300))
    received = bytearray()
    with httpx2.Client() as client:
        request = client.build_request(
            "POST",
            f"{local_server.base_url}/images/edits",
            data={"prompt": "p", "stream": "true", "partial_images": "1"},
            files=sample.parts(),
        )
        response = client.send(request, stream=True)
        assert response.headers["content-type"].startswith("text/event-stream")
        with pytest.raises(httpx2.RemoteProtocolError):
            for chunk in response.iter_raw():
                received.extend(chunk)
    assert bytes(received).startswith(b"event: image_edit.partial_image\ndata: {")
    assert len(received) == 300


def test_status_fault_can_fake_a_200_without_images(local_server, sample):
    local_server.push_faults(Fault("status", 200, body={"created": 1, "data": []}))
    response = post_edit(local_server, sample)
    assert response.status_code == 200
    assert response.json() == {"created": 1, "data": []}


def test_fault_survives_the_trip_through_json():
    fault = Fault("slow", seconds=1.5, headers={"X-Test": "1"})
    assert Fault.from_json(json.loads(json.dumps(fault.to_json()))) == fault
