"""Shared fixtures. Qt runs offscreen; tests that need a real X display ask for `xvfb_display`."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from maskpaint.server import EmbeddedServer

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never the developer's real keyring, in this process or in the app processes tests start.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

# The shared samples sit beside the checkout: /work/shared for /work/main, and two
# levels further up for a worktree such as /work/wt/<name>; take the nearest.
SAMPLES = next(
    (
        p / "shared" / "samples"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "samples").is_dir()
    ),
    Path(__file__).resolve().parents[2] / "shared" / "samples",
)
RESOURCES = Path(__file__).resolve().parents[1] / "resources"


@pytest.fixture(autouse=True)
def maskpaint_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own MASKPAINT_HOME, so no test writes to the real data folder."""
    home = tmp_path / "maskpaint-home"
    monkeypatch.setenv("MASKPAINT_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The shared sample photos (../shared/samples), or the bundled copy of coffee.png."""
    return SAMPLES if SAMPLES.is_dir() else RESOURCES


@pytest.fixture(scope="session")
def coffee_path(samples_dir: Path) -> Path:
    path = samples_dir / "coffee.png"
    return path if path.exists() else RESOURCES / "sample.png"


@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    """Start Xvfb on a free display number and yield it as DISPLAY (e.g. ':99')."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.fail("Xvfb is not installed: run `make test`, which installs it")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        proc.kill()
        pytest.fail("Xvfb did not start")
    display = f":{number}"
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield display
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def local_server_session() -> Iterator[EmbeddedServer]:
    """One embedded OpenAI-compatible server on 127.0.0.1 for the whole test session."""
    with EmbeddedServer() as server:
        yield server


@pytest.fixture
def local_server(local_server_session: EmbeddedServer) -> EmbeddedServer:
    """The session's server with no pending faults and an empty `received` list."""
    local_server_session.clear()
    return local_server_session
