"""Cost estimates from the price table in maskpaint/data/prices.json.

Before sending, the per-image table gives the price; after, the `usage` object the
API returns gives a better one where per-token prices are known. Sizes the table
does not list are scaled from its 1024x1024 price by output pixels: OpenAI's own
tables follow that closely (gpt-image-1 high: $0.167 at 1024x1024, $0.25 at
1536x1024, where scaling gives $0.2505), but it is an approximation.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from maskpaint.core.models import canonical_name, parse_size

BASE_SIZE = "1024x1024"
_BASE_PIXELS = 1024 * 1024
#: Quality used when the request leaves it to the model ("auto" or unset): the
#: dearest, so an estimate never comes in under the bill.
_UPPER_QUALITY = "high"


@dataclass(frozen=True)
class TokenPrices:
    """US dollars per million tokens."""

    text_in: float
    image_in: float
    image_out: float
    text_out: float | None = None


@dataclass(frozen=True)
class ModelPrices:
    per_image: Mapping[str, Mapping[str, float]]  # size -> quality -> dollars
    tokens: TokenPrices | None
    source: str


@dataclass(frozen=True)
class CostEstimate:
    usd: float | None
    basis: str  # "usage tokens" | "per-image table" | "unknown"
    model: str = ""

    def describe(self) -> str:
        """One line for the UI: "≈ $0.13 (per-image table)" or "cost unknown for model X"."""
        if self.usd is None:
            return f"cost unknown for model {self.model}"
        amount = f"{self.usd:.2f}" if self.usd >= 0.1 else f"{self.usd:.3f}"
        return f"≈ ${amount} ({self.basis})"


@functools.cache
def price_table() -> Mapping[str, ModelPrices]:
    """The table, read once from the package data."""
    text = resources.files("maskpaint").joinpath("data/prices.json").read_text("utf-8")
    models: dict[str, Any] = json.loads(text)["models"]
    return {
        name: ModelPrices(
            per_image=entry.get("per_image", {}),
            tokens=TokenPrices(**entry["per_million_tokens"])
            if "per_million_tokens" in entry
            else None,
            source=entry["source"],
        )
        for name, entry in models.items()
    }


def prices_for(model: str) -> ModelPrices | None:
    """The prices a model (or its dated snapshot) is billed at, None if unknown."""
    return price_table().get(canonical_name(model))


def estimate_before(model: str, *, size: str | None, quality: str | None, n: int) -> CostEstimate:
    """What `n` images should cost, from the per-image table."""
    unknown = CostEstimate(None, "unknown", model)
    prices = prices_for(model)
    if prices is None or BASE_SIZE not in prices.per_image:
        return unknown
    size = size if size and size != "auto" else BASE_SIZE
    table = prices.per_image.get(size)
    scale = 1.0
    if table is None:
        parsed = parse_size(size)
        if parsed is None:
            return unknown
        table, scale = prices.per_image[BASE_SIZE], parsed[0] * parsed[1] / _BASE_PIXELS
    if quality in (None, "auto"):
        quality = _UPPER_QUALITY if _UPPER_QUALITY in table else next(iter(table))
    if quality not in table:
        return unknown
    return CostEstimate(table[quality] * scale * n, "per-image table", model)


def _tokens(usage: Mapping[str, Any], key: str) -> int:
    value = usage.get(key, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def estimate_from_usage(model: str, usage: Mapping[str, Any]) -> CostEstimate:
    """What the answer cost, from the API's `usage` object and per-token prices.

    Without `input_tokens_details` the input is priced at the image rate (the
    higher one); output tokens are image tokens unless `output_tokens_details`
    says some were text and a text-output price is known.
    """
    prices = prices_for(model)
    if prices is None or prices.tokens is None or "output_tokens" not in usage:
        return CostEstimate(None, "unknown", model)
    rates = prices.tokens
    input_details = usage.get("input_tokens_details")
    if isinstance(input_details, Mapping):
        text_in, image_in = (
            _tokens(input_details, "text_tokens"),
            _tokens(input_details, "image_tokens"),
        )
    else:
        text_in, image_in = 0, _tokens(usage, "input_tokens")
    output_details = usage.get("output_tokens_details")
    text_out = 0
    if isinstance(output_details, Mapping) and rates.text_out is not None:
        text_out = _tokens(output_details, "text_tokens")
    image_out = _tokens(usage, "output_tokens") - text_out
    dollars = (
        text_in * rates.text_in
        + image_in * rates.image_in
        + image_out * rates.image_out
        + text_out * (rates.text_out or 0.0)
    ) / 1_000_000
    return CostEstimate(dollars, "usage tokens", model)
