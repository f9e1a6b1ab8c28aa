"""Typed errors that carry one sentence a designer can act on.

The GUI shows `user_message`; the CLI prints it on one line. `detail` is for the log
file only. Neither may ever contain an API key: build messages from facts, not from
request objects or headers.
"""

from __future__ import annotations


class MaskpaintError(Exception):
    """Base of every error maskpaint raises on purpose."""

    def __init__(self, user_message: str, *, detail: str | None = None) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.detail = detail

    def __str__(self) -> str:
        return self.user_message


class ImageError(MaskpaintError):
    """An image could not be opened, decoded or normalized."""


class MaskError(MaskpaintError):
    """A mask could not be built, imported or exported as the API needs it."""
