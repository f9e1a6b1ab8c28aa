"""Auth, /v1/models, files, the control API and the recorded requests."""

from __future__ import annotations

import logging
import socket
import time

import httpx2
import pytest
from starlette.requests import Request

from maskpaint.server import EmbeddedServer, Fault, ReceivedRequest
from maskpaint.server.app import from_loopback

KEY = "sk-test-0123456789abcdef"


@pytest.fixture(scope="module")
def keyed_server():
    with EmbeddedServer(api_key=KEY) as server:
        yield server


def post(server, sample, headers=None, **fields):
    data = {"prompt": "p", **fields}
    url = f"{server.base_url}/images/edits"
    return httpx2.post(url, data=data, files=sample.parts(), headers=headers)


def test_server_with_a_key_refuses_requests_without_it(keyed_server, sample):
    response = post(keyed_server, sample)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_server_with_a_key_refuses_a_wrong_key_without_echoing_it(keyed_server, sample):
    response = post(keyed_server, sample, headers={"Authorization": "Bearer sk-wrong-key-42"})
    assert response.status_code == 401
    assert "sk-wrong" not in response.text


def test_server_with_a_key_takes_bearer_and_azure_api_key_headers(keyed_server, sample):
    assert post(keyed_server, sample, headers={"Authorization": f"Bearer {KEY}"}).is_success
    assert post(keyed_server, sample, headers={"api-key": KEY}).is_success


def test_models_need_the_key_too(keyed_server):
    assert httpx2.get(f"{keyed_server.base_url}/models").status_code == 401


def test_server_without_a_key_accepts_any_authorization(local_server, sample):
    assert post(local_server, sample, headers={"Authorization": "Bearer anything"}).is_success


def test_received_requests_redact_credentials(keyed_server, sample, caplog):
    caplog.set_level(logging.DEBUG)
    keyed_server.clear()
    post(keyed_server, sample, headers={"Authorization": f"Bearer {KEY}"}, n="2")
    post(keyed_server, sample, headers={"api-key": KEY})
    first, second = keyed_server.received
    assert first.headers["authorization"] == "REDACTED"
    assert second.headers["api-key"] == "REDACTED"
    assert first.fields == {"prompt": "p", "n": "2"}
    assert first.files["image"] == ("photo.png", "image/png", len(sample.png))
    assert KEY not in repr(keyed_server.received)
    assert KEY not in caplog.text


def test_received_records_arrival_time_path_and_method(local_server, sample):
    post(local_server, sample)
    (request,) = local_server.received
    assert request.path == "/v1/images/edits"
    assert request.method == "POST"
    assert request.at > 1.7e9


def test_models_lists_the_served_models(local_server):
    body = httpx2.get(f"{local_server.base_url}/models").json()
    assert body["object"] == "list"
    ids = [model["id"] for model in body["data"]]
    assert "gpt-image-1.5" in ids
    assert "dall-e-2" in ids
    assert all(model["object"] == "model" for model in body["data"])


def test_unknown_file_answers_404(local_server):
    response = httpx2.get(f"{local_server.base_url}/files/img_nothing.png")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "file_not_found"


def test_unknown_route_answers_openai_error_json(local_server):
    response = httpx2.get(f"{local_server.base_url}/images/nowhere")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid URL (GET /v1/images/nowhere)"


def test_azure_deployment_path_serves_edits(local_server, sample):
    root = local_server.base_url.removesuffix("/v1")
    url = f"{root}/openai/deployments/my-gpt-image/images/edits?api-version=2025-04-01-preview"
    response = httpx2.post(url, data={"prompt": "p"}, files=sample.parts())
    assert response.status_code == 200
    assert local_server.received[-1].path == "/openai/deployments/my-gpt-image/images/edits"


def test_every_answer_carries_request_id_and_the_prompt_note(local_server, sample):
    for response in (post(local_server, sample), post(local_server, sample, n="0")):
        assert response.headers["x-request-id"].startswith("req_")
        assert response.headers["x-maskpaint-note"] == "classical inpainting; the prompt is ignored"


def test_control_api_pushes_faults_lists_received_and_clears(local_server, sample):
    control = local_server.base_url.removesuffix("/v1") + "/__maskpaint__"
    pushed = httpx2.post(
        f"{control}/faults",
        json=[{"kind": "status", "status": 503}, {"kind": "html", "status": 502}],
    )
    assert pushed.json() == {"pushed": 2}
    assert post(local_server, sample).status_code == 503
    assert post(local_server, sample).status_code == 502
    listed = [ReceivedRequest.from_json(r) for r in httpx2.get(f"{control}/received").json()]
    assert listed == local_server.received
    assert len(listed) == 2
    httpx2.post(f"{control}/clear")
    assert local_server.received == []


def test_control_api_rejects_unknown_fault_kinds(local_server):
    control = local_server.base_url.removesuffix("/v1") + "/__maskpaint__"
    response = httpx2.post(f"{control}/faults", json=[{"kind": "explode"}])
    assert response.status_code == 400
    assert "explode" in response.json()["error"]["message"]


def _raw_edit(server, sample):
    """An edit request's head and body as bytes, to send over a bare socket piece by piece."""
    request = httpx2.Request(
        "POST", f"{server.base_url}/images/edits", data={"prompt": "p"}, files=sample.parts()
    )
    fields = "".join(f"{k}: {v}\r\n" for k, v in request.headers.items())
    return f"POST /v1/images/edits HTTP/1.1\r\n{fields}\r\n".encode(), request.read()


def test_server_answers_others_while_an_edit_is_pending(local_server, sample):
    local_server.push_faults(Fault("delay", seconds=60))
    head, body = _raw_edit(local_server, sample)
    with socket.create_connection(("127.0.0.1", local_server.port)) as pending:
        pending.sendall(head + body)
        while not local_server.received:
            time.sleep(0.01)
        assert httpx2.get(f"{local_server.base_url}/models").status_code == 200
        pending.settimeout(0.05)
        with pytest.raises(TimeoutError):
            pending.recv(1)  # the delayed edit is still pending


def test_fault_rejects_unknown_kind_and_fields():
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown fault fields"):
        Fault.from_json({"kind": "status", "colour": "red"})


def test_fault_headers_are_frozen():
    fault = Fault("status", 429, headers={"Retry-After": "1"})
    with pytest.raises(TypeError):
        fault.headers["Retry-After"] = "2"  # type: ignore[index]


def test_control_api_only_trusts_loopback_clients():
    def request_from(host):
        return Request({"type": "http", "client": (host, 40000), "headers": []})

    assert from_loopback(request_from("127.0.0.1"))
    assert from_loopback(request_from("::1"))
    assert from_loopback(request_from("::ffff:127.0.0.1"))  # IPv4 on a dual-stack socket
    assert not from_loopback(request_from("192.168.1.20"))
    assert not from_loopback(request_from("testclient"))


def test_html_fault_names_the_status_like_a_proxy(local_server, sample):
    local_server.push_faults(Fault("html", 503))
    response = post(local_server, sample)
    assert response.status_code == 503
    assert "<title>503 Service Unavailable</title>" in response.text


def test_chat_completion_fault_answers_json_even_to_a_stream_request(local_server, sample):
    local_server.push_faults(Fault("chat_completion", body="data"))
    response = post(local_server, sample, stream="true")
    assert response.headers["content-type"] == "application/json"
    assert response.json()["object"] == "chat.completion"


def _until_received(server, count):
    """Bounded wait (not a timing check) for the server to list `count` requests."""
    deadline = time.monotonic() + 10
    while len(server.received) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return server.received


def test_a_request_is_listed_on_arrival_and_filled_in_once_its_form_is_read(local_server, sample):
    head, body = _raw_edit(local_server, sample)
    with socket.create_connection(("127.0.0.1", local_server.port)) as uploading:
        uploading.sendall(head + body[:100])
        (arrived,) = _until_received(local_server, 1)
        assert (arrived.path, arrived.method) == ("/v1/images/edits", "POST")
        assert arrived.headers["content-length"] == str(len(body))
        assert arrived.fields == {} and arrived.files == {}
        uploading.sendall(body[100:])
        uploading.makefile("rb").readline()  # the status line: the form has been read
    (done,) = local_server.received
    assert done.at == arrived.at
    assert done.fields == {"prompt": "p"}
    assert done.files["mask"] == ("mask.png", "image/png", len(sample.mask_png))


def test_clear_forgets_a_request_still_uploading_for_good(local_server, sample):
    head, body = _raw_edit(local_server, sample)
    with socket.create_connection(("127.0.0.1", local_server.port)) as uploading:
        uploading.sendall(head + body[:100])
        assert len(_until_received(local_server, 1)) == 1
        local_server.clear()  # as the next test's fixture does
        uploading.sendall(body[100:])
        assert uploading.makefile("rb").readline().startswith(b"HTTP/1.1 200")
    assert local_server.received == []
