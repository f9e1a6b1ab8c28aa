"""Stand-in for maskpaint.core.models until it lands in main; same names, fewer models."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

_SIZE_RE = re.compile(r"^([1-9][0-9]*)x([1-9][0-9]*)$")


def parse_size(size: str) -> tuple[int, int] | None:
    match = _SIZE_RE.match(size.strip())
    return (int(match[1]), int(match[2])) if match else None


@dataclass(frozen=True)
class ModelSpec:
    name: str
    fields: frozenset[str]
    sizes: tuple[str, ...]
    qualities: tuple[str, ...]
    backgrounds: tuple[str, ...]
    output_formats: tuple[str, ...]
    input_fidelities: tuple[str, ...]
    n_max: int = 10
    prompt_max: int = 32_000
    max_images: int = 16
    streaming: bool = True
    known: bool = True
    partial_images_max: int = 3

    def accepts(self, field: str) -> bool:
        return field in self.fields

    def size_problem(self, size: str) -> str | None:
        if size in self.sizes or (not self.known and parse_size(size)):
            return None
        return f"{self.name} takes the sizes {', '.join(self.sizes)}, not {size!r}."


_GPT = ModelSpec(
    name="gpt-image-1.5",
    fields=frozenset(
        [
            "background",
            "input_fidelity",
            "moderation",
            "n",
            "output_compression",
            "output_format",
            "partial_images",
            "quality",
            "size",
            "stream",
            "user",
        ]
    ),
    sizes=("1024x1024", "1536x1024", "1024x1536", "auto"),
    qualities=("low", "medium", "high", "auto"),
    backgrounds=("transparent", "opaque", "auto"),
    output_formats=("png", "jpeg", "webp"),
    input_fidelities=("high", "low"),
)
_TABLE = (
    _GPT,
    replace(_GPT, name="gpt-image-1"),
    replace(_GPT, name="gpt-image-1-mini", input_fidelities=("low",)),
    replace(_GPT, name="chatgpt-image-latest"),
    ModelSpec(
        name="dall-e-2",
        fields=frozenset({"n", "quality", "response_format", "size", "user"}),
        sizes=("256x256", "512x512", "1024x1024"),
        qualities=("standard",),
        backgrounds=(),
        output_formats=(),
        input_fidelities=(),
        prompt_max=1000,
        max_images=1,
        streaming=False,
    ),
)
_BY_NAME = {spec.name: spec for spec in _TABLE}


def get_model(name: str) -> ModelSpec:
    name = name.strip() or _GPT.name
    return _BY_NAME.get(name) or replace(
        _GPT, name=name, fields=frozenset({"n", "size"}), known=False, streaming=False
    )


def known_models() -> tuple[ModelSpec, ...]:
    return _TABLE
