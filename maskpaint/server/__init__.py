"""The embedded OpenAI-compatible image-edit server (loopback, classical inpainting)."""

from maskpaint.server.embedded import EmbeddedServer, ServerError
from maskpaint.server.faults import Fault
from maskpaint.server.state import ReceivedRequest

__all__ = ["EmbeddedServer", "Fault", "ReceivedRequest", "ServerError"]
