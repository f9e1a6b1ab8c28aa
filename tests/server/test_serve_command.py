"""`maskpaint serve` as a real process: prints its URL, serves, stops on Ctrl+C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import httpx2

from maskpaint.cli import main


def test_serve_prints_its_url_serves_edits_and_stops_on_ctrl_c(sample):
    env = {**os.environ, "MASKPAINT_TEST_KEY": "sk-serve-test"}
    process = subprocess.Popen(
        [sys.executable, "-m", "maskpaint", "serve", "--api-key-env", "MASKPAINT_TEST_KEY"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        match = re.fullmatch(
            r"maskpaint serve: listening on (http://127\.0\.0\.1:\d+/v1) "
            r"\(classical inpainting; prompts are ignored\)\n",
            line,
        )
        assert match, line
        base_url = match[1]
        url = f"{base_url}/images/edits"
        assert httpx2.post(url, data={"prompt": "p"}, files=sample.parts()).status_code == 401
        headers = {"Authorization": "Bearer sk-serve-test"}
        response = httpx2.post(url, data={"prompt": "p"}, files=sample.parts(), headers=headers)
        assert response.status_code == 200
        assert len(response.json()["data"]) == 1
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0
    assert "sk-serve-test" not in err


def test_serve_refuses_a_non_loopback_host_without_allow_remote(capsys):
    assert main(["serve", "--host", "0.0.0.0"]) == 1
    err = capsys.readouterr().err
    assert "Refusing to listen on 0.0.0.0" in err
    assert "--allow-remote" in err


def test_serve_says_when_the_key_variable_is_missing(capsys, monkeypatch):
    monkeypatch.delenv("MASKPAINT_NO_SUCH_KEY", raising=False)
    assert main(["serve", "--api-key-env", "MASKPAINT_NO_SUCH_KEY"]) == 1
    assert "MASKPAINT_NO_SUCH_KEY is empty or not set" in capsys.readouterr().err


def test_serve_says_when_the_port_is_taken(capsys, local_server):
    assert main(["serve", "--port", str(local_server.port)]) == 1
    assert f"could not listen on 127.0.0.1:{local_server.port}" in capsys.readouterr().err
