"""The embedded OpenAI-compatible image-edit server (loopback, classical inpainting).

Names load on first use (PEP 562) so that `maskpaint --help` and the CLI's command
table do not pay for importing uvicorn, Starlette and OpenCV.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maskpaint.server.embedded import EmbeddedServer, ServerError
    from maskpaint.server.faults import Fault
    from maskpaint.server.state import ReceivedRequest

__all__ = ["EmbeddedServer", "Fault", "ReceivedRequest", "ServerError"]
_HOMES = {
    "EmbeddedServer": "maskpaint.server.embedded",
    "ServerError": "maskpaint.server.embedded",
    "Fault": "maskpaint.server.faults",
    "ReceivedRequest": "maskpaint.server.state",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'maskpaint.server' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
