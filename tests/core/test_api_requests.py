"""What goes on the wire: multipart exactly as the SDK builds it, validated against the spec."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import pytest
import yaml

from maskpaint.core.api import AuthenticationError, ClientConfig, ImageEditClient
from maskpaint.core.request import EditRequest, ImageFile
from maskpaint.server import EmbeddedServer
from tests.core.api_support import FAKE_KEY, b64, edit_request, mask_png, png_bytes

#: The contract beside the checkout (/work/shared for main, further up for a worktree).
SPEC = next(
    (
        p / "shared" / "spec" / "openai-images-edit.yaml"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "spec" / "openai-images-edit.yaml").is_file()
    ),
    Path(__file__).resolve().parents[3] / "shared" / "spec" / "openai-images-edit.yaml",
)


@pytest.fixture(scope="module")
def edit_schema() -> dict[str, Any]:
    """CreateImageEditRequest with its $refs resolvable, binary parts as strings."""
    spec = yaml.safe_load(SPEC.read_text())
    schema = dict(spec["components"]["schemas"]["CreateImageEditRequest"])
    schema["components"] = spec["components"]
    return schema


def _as_instance(fields: dict[str, str], files: dict[str, Any]) -> dict[str, Any]:
    """Multipart form -> the JSON instance the schema describes (types from the spec)."""
    instance: dict[str, Any] = {}
    for name, value in fields.items():
        if name in ("n", "output_compression", "partial_images"):
            instance[name] = int(value)
        elif name == "stream":
            instance[name] = value == "true"
        else:
            instance[name] = value
    for name in files:  # the server names repeated parts "image[]#0", "image[]#1", ...
        part = name.partition("#")[0]
        if part.endswith("[]"):
            instance.setdefault(part.removesuffix("[]"), []).append("<binary>")
        else:
            instance[part] = "<binary>"
    return instance


def _send(server: EmbeddedServer, request: EditRequest, **config: Any) -> None:
    with ImageEditClient(ClientConfig(base_url=server.base_url, **config)) as client:
        client.edit(request)


def test_one_image_goes_as_image_and_validates_against_the_spec(
    local_server: EmbeddedServer, coffee_path: Path, edit_schema: dict[str, Any]
) -> None:
    request = edit_request(coffee_path, n=2, quality="low", output_format="png")
    _send(local_server, request)
    (received,) = local_server.received
    jsonschema.validate(_as_instance(received.fields, received.files), edit_schema)
    assert set(received.files) == {"image", "mask"}
    assert received.fields["prompt"] == request.prompt
    assert received.fields["model"] == "gpt-image-1.5"
    assert received.fields["n"] == "2"
    assert received.fields["quality"] == "low"


def test_several_images_go_as_an_image_array(
    local_server: EmbeddedServer, coffee_path: Path, edit_schema: dict[str, Any]
) -> None:
    _send(local_server, edit_request(coffee_path, images=3))
    (received,) = local_server.received
    jsonschema.validate(_as_instance(received.fields, received.files), edit_schema)
    assert sorted(received.files) == ["image[]#0", "image[]#1", "image[]#2", "mask"]


def test_every_file_part_has_a_filename_and_an_image_mime_type(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    _send(local_server, edit_request(coffee_path))
    (received,) = local_server.received
    filename, content_type, size = received.files["image"]
    assert (filename, content_type, size) == ("photo0.png", "image/png", coffee_path.stat().st_size)
    assert received.files["mask"][:2] == ("mask.png", "image/png")


def test_unset_fields_stay_out_of_the_form(local_server: EmbeddedServer, coffee_path: Path) -> None:
    _send(local_server, edit_request(coffee_path))
    (received,) = local_server.received
    assert set(received.fields) == {"prompt", "model"}


def test_response_format_goes_only_to_dall_e_2(local_server: EmbeddedServer) -> None:
    square = ImageFile(png_bytes((64, 64)), "square.png", "image/png")
    mask = ImageFile(mask_png((64, 64), (16, 16, 48, 48)), "mask.png", "image/png")
    base = EditRequest(images=(square,), prompt="a cat", mask=mask, response_format="b64_json")
    _send(local_server, base)
    _send(local_server, base.with_changes(model="dall-e-2"))
    gpt, dalle = local_server.received
    assert "response_format" not in gpt.fields
    assert dalle.fields["response_format"] == "b64_json"
    assert dalle.fields["model"] == "dall-e-2"


def test_the_key_goes_as_a_bearer_header(coffee_path: Path) -> None:
    server = EmbeddedServer("127.0.0.1", api_key=FAKE_KEY)
    server.start()
    try:
        request = edit_request(coffee_path)
        result_ok = ImageEditClient(ClientConfig(base_url=server.base_url, api_key=FAKE_KEY))
        with result_ok as client:
            assert len(client.edit(request).variants) == 1
        with (
            ImageEditClient(ClientConfig(base_url=server.base_url, api_key="sk-wrong")) as client,
            pytest.raises(AuthenticationError, match="check it in Settings"),
        ):
            client.edit(request)
        assert server.received[0].headers["authorization"] == "REDACTED"  # sent, never stored
        assert all(FAKE_KEY not in str(r.headers) for r in server.received)
    finally:
        server.stop()


def test_organization_project_and_extra_headers_are_sent(
    local_server: EmbeddedServer, coffee_path: Path
) -> None:
    _send(
        local_server,
        edit_request(coffee_path),
        organization="org-7",
        project="proj-7",
        extra_headers={"X-Trace": "abc"},
    )
    headers = {k.lower(): v for k, v in local_server.received[0].headers.items()}
    assert headers["openai-organization"] == "org-7"
    assert headers["openai-project"] == "proj-7"
    assert headers["x-trace"] == "abc"


class _Recorder(BaseHTTPRequestHandler):
    """A bare HTTP server that records one request and answers with one PNG (Azure's shape)."""

    seen: ClassVar[list[tuple[str, dict[str, str]]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((self.path, dict(self.headers)))
        body = json.dumps({"created": 1, "data": [{"b64_json": b64(png_bytes())}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_azure_uses_the_deployment_url_api_version_and_api_key(coffee_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    config = ClientConfig(
        base_url=f"http://127.0.0.1:{server.server_address[1]}",
        api_key=FAKE_KEY,
        provider="azure",
        azure_deployment="my-image",
        azure_api_version="2025-04-01-preview",
    )
    try:
        with ImageEditClient(config) as client:
            result = client.edit(edit_request(coffee_path))
    finally:
        server.shutdown()
        server.server_close()
    path, headers = _Recorder.seen[-1]
    assert path == "/openai/deployments/my-image/images/edits?api-version=2025-04-01-preview"
    assert headers["api-key"] == FAKE_KEY
    assert "Authorization" not in headers
    assert result.variants[0].data == png_bytes()


class _Api(BaseHTTPRequestHandler):
    """A gateway answering with a link on its own host that redirects to a CDN elsewhere."""

    cdn = ""
    gets: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        host = self.headers["Host"]
        _send_json(self, {"created": 1, "data": [{"url": f"http://{host}/files/1.png"}]})

    def do_GET(self) -> None:
        self.gets.append(dict(self.headers))
        self.send_response(302)
        self.send_header("Location", f"{self.cdn}/cdn/1.png")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class _Cdn(BaseHTTPRequestHandler):
    gets: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        self.gets.append(dict(self.headers))
        body = png_bytes((8, 8), (1, 2, 3))
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def _send_json(handler: BaseHTTPRequestHandler, payload: object) -> None:
    body = json.dumps(payload).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.mark.parametrize("provider", ["openai", "azure"])
def test_a_redirect_to_another_host_never_carries_the_key(coffee_path: Path, provider: str) -> None:
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), cls) for cls in (_Api, _Cdn)]
    for server in servers:
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    api, cdn = (f"http://127.0.0.1:{s.server_address[1]}" for s in servers)
    _Api.cdn = cdn.replace("127.0.0.1", "localhost")  # same machine, another origin
    config = ClientConfig(
        base_url=api,
        api_key=FAKE_KEY,
        provider=provider,
        azure_deployment="d",  # type: ignore[arg-type]
    )
    try:
        with ImageEditClient(config) as client:
            (variant,) = client.edit(edit_request(coffee_path)).variants
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    assert variant.source == "url"
    assert variant.data == png_bytes((8, 8), (1, 2, 3))
    assert FAKE_KEY in str(_Api.gets[-1])  # the API's own host gets it
    assert FAKE_KEY not in str(_Cdn.gets[-1])
