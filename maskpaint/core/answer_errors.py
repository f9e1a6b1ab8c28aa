"""The sentences for answers that arrived but cannot be used (kept apart to stay short)."""

from __future__ import annotations

from maskpaint.core.api_errors import ProtocolError


def unreadable_answer(what: str) -> ProtocolError:
    return ProtocolError(
        f"The server sent {what} instead of images; try again, and check the base URL "
        "if it keeps happening.",
        detail=what,
    )


def truncated_answer() -> ProtocolError:
    return ProtocolError(
        "The answer was cut off before it was complete; images received so far are kept — "
        "run the edit again for the rest.",
        detail="connection closed mid-body",
    )


def not_an_image(what: str, why: str) -> ProtocolError:
    return ProtocolError(
        f"The server sent {what} but {why}; try again, or try another model or gateway.",
        detail=f"{what}: {why}",
    )


def no_images(said: str = "") -> ProtocolError:
    return ProtocolError(
        f"The server answered without any image{said}; try again, or change the prompt.",
        detail="2xx answer with no images",
    )
