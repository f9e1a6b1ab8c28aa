"""The facts shown with a run and its variants, as small values built from core objects.

The controller may hand the view an `EditRequest` / `EditResult` (live runs) or a
history `RunRecord` (reopened runs); both become the same two values here, so the
widgets format one thing one way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maskpaint.core.pricing import estimate_before, estimate_from_usage
from maskpaint.core.request import EditRequest

if TYPE_CHECKING:
    from maskpaint.core.api_types import EditResult
    from maskpaint.core.history import RunRecord

_VARIANT_FILE = re.compile(r"variant-(\d+)\.")


@dataclass(frozen=True)
class RunInfo:
    """What was asked: shown in the run's header and its selector entry."""

    prompt: str = ""
    model: str = ""
    size: str | None = None
    estimate: str | None = None  # "≈ $0.13 (per-image table)"

    @classmethod
    def from_request(cls, request: EditRequest) -> RunInfo:
        estimate = estimate_before(
            request.model, size=request.size, quality=request.quality, n=request.n or 1
        )
        return cls(request.prompt, request.model, request.size, estimate.describe())

    def title(self) -> str:
        first = self.prompt.strip().splitlines()[0] if self.prompt.strip() else "(no prompt)"
        return f"{first} · {self.model}" if self.model else first


@dataclass(frozen=True)
class ResultInfo:
    """What came back: revised prompts per variant, tokens, cost and time taken."""

    revised_prompts: tuple[str | None, ...] = ()
    size: str | None = None
    tokens: int | None = None
    cost: str | None = None
    elapsed: float | None = None

    @classmethod
    def from_edit_result(cls, result: EditResult, model: str) -> ResultInfo:
        """From the client's `EditResult` (variants, usage, size, elapsed)."""
        prompts: dict[int, str | None] = {v.index: v.revised_prompt for v in result.variants}
        usage = result.usage
        return cls(
            revised_prompts=tuple(prompts.get(i) for i in range(max(prompts, default=-1) + 1)),
            size=result.size,
            tokens=_total_tokens(usage),
            cost=estimate_from_usage(model, usage).describe() if usage else None,
            elapsed=result.elapsed or None,
        )

    @classmethod
    def from_record(cls, record: RunRecord) -> ResultInfo:
        """From a history run's response.json (None parts stay unknown)."""
        response = record.response
        if response is None:
            return cls()
        usage = response.usage
        cost = None
        if response.cost is not None:
            cost = f"≈ ${response.cost:.3f}"
        elif usage:
            cost = estimate_from_usage(record.model, usage).describe()
        return cls(
            revised_prompts=tuple(response.revised_prompts),
            size=record.fields.get("size"),
            tokens=_total_tokens(usage),
            cost=cost,
            elapsed=response.timings.get("total") or response.timings.get("elapsed"),
        )

    def revised_prompt(self, index: int) -> str | None:
        return self.revised_prompts[index] if 0 <= index < len(self.revised_prompts) else None

    def describe(self) -> str:
        """ "1,234 tokens · ≈ $0.04 (usage tokens) · 12.3 s", leaving out what is unknown."""
        parts = []
        if self.tokens is not None:
            parts.append(f"{self.tokens:,} tokens")
        if self.cost:
            parts.append(self.cost)
        if self.elapsed is not None:
            parts.append(f"{self.elapsed:.1f} s")
        return " · ".join(parts)


def as_run_info(info: RunInfo | EditRequest | Mapping[str, Any] | None) -> RunInfo:
    if isinstance(info, RunInfo):
        return info
    if isinstance(info, EditRequest):
        return RunInfo.from_request(info)
    if isinstance(info, Mapping):
        return RunInfo(**{k: v for k, v in info.items() if k in RunInfo.__dataclass_fields__})
    return RunInfo()


def as_result_info(info: Any, model: str) -> ResultInfo:
    if isinstance(info, ResultInfo):
        return info
    if info is None:
        return ResultInfo()
    if isinstance(info, Mapping):
        return ResultInfo(**{k: v for k, v in info.items() if k in ResultInfo.__dataclass_fields__})
    return ResultInfo.from_edit_result(info, model)


def variant_index(path: Path) -> int | None:
    """The index in a history file name "variant-3.png", None for other files."""
    match = _VARIANT_FILE.match(path.name)
    return int(match.group(1)) if match else None


def _total_tokens(usage: Mapping[str, Any] | None) -> int | None:
    if not usage:
        return None
    total = usage.get("total_tokens")
    if isinstance(total, int):
        return total
    parts = [usage.get("input_tokens"), usage.get("output_tokens")]
    return sum(p for p in parts if isinstance(p, int)) or None
