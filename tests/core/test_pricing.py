"""Cost estimates: the per-image table before sending, the usage tokens after."""

from __future__ import annotations

import pytest

from maskpaint.core.models import get_model
from maskpaint.core.pricing import (
    CostEstimate,
    estimate_before,
    estimate_from_usage,
    price_table,
    prices_for,
)

USAGE = {
    "input_tokens": 1100,
    "output_tokens": 4000,
    "total_tokens": 5100,
    "input_tokens_details": {"text_tokens": 100, "image_tokens": 1000},
}


def test_every_priced_model_is_a_known_model_with_a_source() -> None:
    for name, prices in price_table().items():
        assert get_model(name).known and get_model(name).name == name
        assert prices.source
        for by_quality in prices.per_image.values():
            assert all(price > 0 for price in by_quality.values())
            assert set(by_quality) <= set(get_model(name).qualities)


@pytest.mark.parametrize(
    ("model", "size", "quality", "n", "usd"),
    [
        ("gpt-image-1.5", "1024x1024", "high", 1, 0.133),
        ("gpt-image-1.5", "1024x1024", "low", 3, 0.027),
        ("gpt-image-1-mini", "1024x1024", "medium", 1, 0.011),
        ("gpt-image-1", "1536x1024", "high", 1, 0.25),  # listed exactly in the table
        ("gpt-image-1.5", "1536x1024", "high", 1, 0.133 * 1.5),  # scaled by pixels
        ("gpt-image-2", "2048x2048", "medium", 2, 0.053 * 4 * 2),
        ("gpt-image-2-2026-04-21", "1024x1024", "high", 1, 0.211),  # snapshot: base prices
        ("gpt-image-2", None, "low", 1, 0.006),  # no size: priced at 1024x1024
        ("gpt-image-2", "auto", "low", 1, 0.006),
        ("gpt-image-1.5", "1024x1024", None, 1, 0.133),  # quality left to the model: high
        ("gpt-image-1.5", "1024x1024", "auto", 1, 0.133),
        ("dall-e-2", "256x256", "standard", 1, 0.016),
        ("dall-e-2", "512x512", None, 2, 0.036),
        ("chatgpt-image-latest", "1024x1024", "medium", 1, 0.034),
    ],
)
def test_estimate_before_from_the_per_image_table(
    model: str, size: str | None, quality: str | None, n: int, usd: float
) -> None:
    estimate = estimate_before(model, size=size, quality=quality, n=n)
    assert estimate.basis == "per-image table"
    assert estimate.usd == pytest.approx(usd)


@pytest.mark.parametrize(
    ("model", "size", "quality"),
    [
        ("gpt-image-2.5-flare", "1024x1024", "high"),  # no per-image table published yet
        ("flux-kontext-pro", "1024x1024", None),
        ("somebody-elses-model", "1024x1024", "high"),
        ("gpt-image-1.5", "1024x1024", "xhigh"),
        ("gpt-image-1.5", "huge", "high"),
    ],
)
def test_estimate_before_says_unknown_rather_than_guessing(
    model: str, size: str, quality: str | None
) -> None:
    estimate = estimate_before(model, size=size, quality=quality, n=1)
    assert (estimate.usd, estimate.basis) == (None, "unknown")
    assert estimate.describe() == f"cost unknown for model {model}"


def test_estimate_from_usage_prices_each_kind_of_token() -> None:
    estimate = estimate_from_usage("gpt-image-2.5-sunburst-2026-09-08", USAGE)
    assert estimate.basis == "usage tokens"
    assert estimate.usd == pytest.approx((100 * 5 + 1000 * 8 + 4000 * 30) / 1e6)
    assert estimate.describe() == "≈ $0.13 (usage tokens)"


def test_usage_without_input_details_prices_the_input_at_the_image_rate() -> None:
    usage = {"input_tokens": 1100, "output_tokens": 4000, "total_tokens": 5100}
    estimate = estimate_from_usage("gpt-image-1", usage)
    assert estimate.usd == pytest.approx((1100 * 10 + 4000 * 40) / 1e6)


def test_text_output_tokens_are_priced_at_the_text_rate_where_known() -> None:
    usage = {**USAGE, "output_tokens_details": {"image_tokens": 3900, "text_tokens": 100}}
    estimate = estimate_from_usage("gpt-image-1.5", usage)
    assert estimate.usd == pytest.approx((100 * 5 + 1000 * 8 + 3900 * 32 + 100 * 10) / 1e6)


@pytest.mark.parametrize(
    ("model", "usage"),
    [
        ("dall-e-2", USAGE),  # no token prices
        ("flux-kontext-max", USAGE),
        ("gpt-image-1.5", {}),  # a gateway sent an empty usage object
    ],
)
def test_estimate_from_usage_is_unknown_without_token_prices_or_tokens(
    model: str, usage: dict[str, object]
) -> None:
    assert estimate_from_usage(model, usage).basis == "unknown"


def test_describe_shows_small_amounts_to_a_tenth_of_a_cent() -> None:
    assert CostEstimate(0.009, "per-image table").describe() == "≈ $0.009 (per-image table)"
    assert CostEstimate(1.064, "usage tokens").describe() == "≈ $1.06 (usage tokens)"


def test_snapshots_share_their_base_models_prices() -> None:
    assert prices_for("gpt-image-2-2026-04-21") == prices_for("gpt-image-2")
    assert prices_for("nobody-knows-2026-01-01") is None
