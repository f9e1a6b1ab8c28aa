"""The log file: where tracebacks go, and never with an API key in them."""

from __future__ import annotations

import logging
import subprocess
import sys

from maskpaint.core import paths
from maskpaint.core.logs import LOG_NAME, redact, setup_logging

KEY = "sk-test-SECRET-123"


def test_redact_hides_every_shape_of_key():
    assert KEY not in redact(f"refused key {KEY}")
    assert redact("Authorization: Bearer abc.def-ghi") == "Authorization: Bearer [REDACTED]"
    assert redact("{'api-key': 'azure0123456789'}") == "{'api-key': '[REDACTED]'}"
    assert redact("api_key=xyz987") == "api_key=[REDACTED]"
    assert redact("a plain sentence about sk- and keys") == "a plain sentence about sk- and keys"


def test_the_log_file_takes_info_and_tracebacks_without_the_key(tmp_path):
    path = setup_logging(tmp_path)
    log = logging.getLogger("maskpaint.api")
    try:
        raise RuntimeError(f"server echoed Bearer {KEY}")
    except RuntimeError:
        log.exception("request failed with key %s", KEY)
    log.info("POST https://api.openai.com/v1/images/edits")
    for handler in logging.getLogger("maskpaint").handlers:
        handler.flush()
    text = path.read_text()
    assert "request failed" in text and "Traceback" in text and "images/edits" in text
    assert KEY not in text


def test_a_cli_failure_prints_one_line_and_logs_in_the_data_folder(maskpaint_home, tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "maskpaint", "mask", str(tmp_path / "a.png"), "b.png", "-o", "c"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "MASKPAINT_HOME": str(maskpaint_home)},
    )
    assert run.returncode == 1 and run.stderr.count("\n") == 1
    assert (paths.log_dir() / LOG_NAME).exists()
