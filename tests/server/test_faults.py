"""Every fault kind, seen by a raw httpx2 client over real HTTP."""

from __future__ import annotations

import json

import httpx2
import pytest

from maskpaint.server import Fault


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
