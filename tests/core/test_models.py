"""The model table: every rule the client, preflight, server and UI read from it."""

from __future__ import annotations

import datetime

import pytest

from maskpaint.core.models import (
    canonical_name,
    get_model,
    known_models,
    one_of,
    parse_size,
    request_fields,
)
from maskpaint.core.request import DEFAULT_MODEL, OPTIONAL_FIELDS, EditRequest, ImageFile

PNG = ImageFile(b"\x89PNG\r\n\x1a\n", "image.png", "image/png")
EVERY_FIELD_SET = {
    "background": "auto",
    "input_fidelity": "low",
    "moderation": "low",
    "n": 3,
    "output_compression": 80,
    "output_format": "webp",
    "partial_images": 2,
    "quality": "high",
    "response_format": "b64_json",
    "size": "1024x1024",
    "stream": True,
    "user": "designer-7",
}


def _request(model: str, **fields: object) -> EditRequest:
    return EditRequest(images=(PNG,), prompt="a red door", model=model, **fields)  # type: ignore[arg-type]


def test_default_model_comes_first_and_retired_ones_last() -> None:
    names = [spec.name for spec in known_models()]
    assert names[0] == DEFAULT_MODEL == "gpt-image-1.5"
    assert names[-2:] == ["gpt-image-1", "dall-e-2"]
    for expected in (
        "gpt-image-2.5-sunburst",
        "gpt-image-2.5-sunburst-2026-09-08",
        "gpt-image-2.5-flare",
        "gpt-image-2.5-flare-2026-09-08",
        "gpt-image-2",
        "gpt-image-2-2026-04-21",
        "gpt-image-1-mini",
        "chatgpt-image-latest",
        "flux-kontext-pro",
        "flux-kontext-max",
        "gpt-image-1-all",
    ):
        assert expected in names


@pytest.mark.parametrize(
    ("name", "date"),
    [("gpt-image-1", datetime.date(2026, 10, 23)), ("dall-e-2", datetime.date(2026, 5, 12))],
)
def test_retired_models_are_kept_with_their_retirement_date(name: str, date: datetime.date) -> None:
    spec = get_model(name)
    assert spec.known and spec.retired == date
    assert date.isoformat() in spec.note and "gateways" in spec.note


def test_every_model_only_accepts_fields_the_request_knows() -> None:
    for spec in known_models():
        assert spec.fields <= set(OPTIONAL_FIELDS), spec.name
        assert spec.label and spec.family and spec.provider


@pytest.mark.parametrize(
    ("snapshot", "base"),
    [
        ("gpt-image-2-2026-04-21", "gpt-image-2"),
        ("gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.5-sunburst"),
        ("gpt-image-2.5-flare-2026-09-08", "gpt-image-2.5-flare"),
        ("gpt-image-1.5-2027-01-31", "gpt-image-1.5"),  # any dated suffix, not only listed ones
    ],
)
def test_dated_snapshots_follow_their_base_models_rules(snapshot: str, base: str) -> None:
    spec, base_spec = get_model(snapshot), get_model(base)
    assert spec.name == snapshot and spec.known
    assert spec.fields == base_spec.fields
    assert spec.qualities == base_spec.qualities
    assert spec.size_rule == base_spec.size_rule


def test_unknown_model_gets_a_permissive_spec_that_sends_only_universal_fields() -> None:
    spec = get_model("acme-paint-9000")
    assert not spec.known and spec.name == "acme-paint-9000"
    assert spec.fields == {"n", "size"}
    assert spec.size_problem("1234x777") is None
    assert spec.size_problem("auto") is None
    assert spec.size_warning("3840x3840") is None
    assert spec.max_images == 16 and spec.n_max == 10


def test_a_dated_name_of_an_unknown_model_stays_unknown() -> None:
    assert not get_model("acme-paint-2026-01-01").known


@pytest.mark.parametrize(
    ("model", "qualities"),
    [
        ("gpt-image-1.5", ("low", "medium", "high", "auto")),
        ("gpt-image-2", ("low", "medium", "high", "auto")),
        ("gpt-image-2.5-sunburst", ("low", "medium", "high", "xhigh", "max", "auto")),
        ("gpt-image-2.5-flare", ("low", "medium", "high", "xhigh", "max", "auto")),
        ("dall-e-2", ("standard",)),
        ("flux-kontext-pro", ()),
    ],
)
def test_qualities_per_model(model: str, qualities: tuple[str, ...]) -> None:
    assert get_model(model).qualities == qualities


@pytest.mark.parametrize(
    ("model", "fidelities"),
    [
        ("gpt-image-1", ("high", "low")),
        ("gpt-image-1.5", ("high", "low")),
        ("gpt-image-1-mini", ("low",)),
        ("gpt-image-2", ()),
        ("gpt-image-2.5-sunburst", ()),
        ("dall-e-2", ()),
    ],
)
def test_input_fidelity_per_model(model: str, fidelities: tuple[str, ...]) -> None:
    spec = get_model(model)
    assert spec.input_fidelities == fidelities
    assert spec.accepts("input_fidelity") == bool(fidelities)


@pytest.mark.parametrize(
    ("model", "prompt_max", "max_images", "image_max_mb", "formats", "streaming"),
    [
        ("gpt-image-1.5", 32_000, 16, 50, ("png", "jpeg", "webp"), True),
        ("gpt-image-2.5-flare", 32_000, 16, 50, ("png", "jpeg", "webp"), True),
        ("chatgpt-image-latest", 32_000, 16, 50, ("png", "jpeg", "webp"), True),
        ("dall-e-2", 1000, 1, 4, ("png",), False),
    ],
)
def test_input_limits_per_model(
    model: str,
    prompt_max: int,
    max_images: int,
    image_max_mb: int,
    formats: tuple[str, ...],
    streaming: bool,
) -> None:
    spec = get_model(model)
    assert (spec.prompt_max, spec.max_images) == (prompt_max, max_images)
    assert spec.image_max_bytes == image_max_mb * 1024 * 1024
    assert spec.mask_max_bytes == 4 * 1024 * 1024
    assert spec.image_formats == formats
    assert spec.streaming == streaming == spec.accepts("stream") == spec.accepts("partial_images")
    assert spec.square_png_only == (model == "dall-e-2")


@pytest.mark.parametrize(
    ("model", "size", "allowed"),
    [
        ("gpt-image-1.5", "1536x1024", True),
        ("gpt-image-1.5", "auto", True),
        ("gpt-image-1.5", "2048x2048", False),
        ("dall-e-2", "512x512", True),
        ("dall-e-2", "auto", False),
        ("dall-e-2", "1536x1024", False),
        ("gpt-image-2", "auto", True),
        ("gpt-image-2", "1536x864", True),
        ("gpt-image-2", "2880x2880", True),  # 8,294,400 pixels: the cap exactly
        ("gpt-image-2", "1000x1000", False),  # not multiples of 16
        ("gpt-image-2", "3072x1024", True),  # 3:1 aspect is the limit
        ("gpt-image-2", "1280x3840", True),
        ("gpt-image-2", "3840x1264", False),  # wider than 3:1
        ("gpt-image-2", "4096x2048", False),  # long side over 3840
        ("gpt-image-2", "800x800", False),  # 640,000 pixels, under 655,360
        ("gpt-image-2.5-sunburst", "3840x2160", True),
        ("gpt-image-2.5-sunburst", "2880x2880", False),  # over 3840x2160
        ("gpt-image-2.5-flare", "2160x3840", True),
        ("gpt-image-2", "big", False),
    ],
)
def test_size_rules(model: str, size: str, allowed: bool) -> None:
    assert (get_model(model).size_problem(size) is None) == allowed


@pytest.mark.parametrize(
    ("model", "size", "words"),
    [
        ("gpt-image-1.5", "2048x2048", ["1024x1024, 1536x1024, 1024x1536 or auto", "2048x2048"]),
        ("dall-e-2", "auto", ["256x256, 512x512 or 1024x1024"]),
        ("gpt-image-2", "1000x1000", ["multiples of 16"]),
        ("gpt-image-2", "3840x1264", ["3:1"]),
        ("gpt-image-2", "4096x2048", ["long side", "3840"]),
        ("gpt-image-2", "800x800", ["655,360", "640,000"]),
        ("gpt-image-2.5-flare", "2880x2880", ["short side", "2160"]),
    ],
)
def test_size_problems_say_what_is_allowed(model: str, size: str, words: list[str]) -> None:
    problem = get_model(model).size_problem(size)
    assert problem is not None and problem.endswith(".")
    for word in words:
        assert word in problem


@pytest.mark.parametrize(
    ("model", "size", "experimental"),
    [
        ("gpt-image-2", "3840x2160", True),
        ("gpt-image-2", "2560x1440", False),
        ("gpt-image-2.5-sunburst", "2880x1616", True),
        ("gpt-image-2", "1024x1024", False),
        ("gpt-image-2", "4096x2048", False),  # not allowed at all: a problem, not a warning
        ("gpt-image-1.5", "1536x1024", False),
    ],
)
def test_large_free_sizes_are_a_warning_not_an_error(
    model: str, size: str, experimental: bool
) -> None:
    warning = get_model(model).size_warning(size)
    assert (warning is not None and "experimental" in warning) == experimental


def test_response_format_goes_only_to_dall_e_2() -> None:
    for spec in known_models():
        fields = request_fields(_request(spec.name, **EVERY_FIELD_SET))
        assert ("response_format" in fields) == (spec.name == "dall-e-2"), spec.name


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (
            "gpt-image-1.5",
            {
                "background": "auto",
                "input_fidelity": "low",
                "moderation": "low",
                "n": "3",
                "output_compression": "80",
                "output_format": "webp",
                "partial_images": "2",
                "quality": "high",
                "size": "1024x1024",
                "stream": "true",
                "user": "designer-7",
            },
        ),
        (
            "gpt-image-2-2026-04-21",
            {
                "background": "auto",
                "moderation": "low",
                "n": "3",
                "output_compression": "80",
                "output_format": "webp",
                "partial_images": "2",
                "quality": "high",
                "size": "1024x1024",
                "stream": "true",
                "user": "designer-7",
            },
        ),
        (
            "dall-e-2",
            {
                "n": "3",
                "quality": "high",
                "response_format": "b64_json",
                "size": "1024x1024",
                "user": "designer-7",
            },
        ),
        ("flux-kontext-max", {"n": "3", "size": "1024x1024"}),
        ("gpt-image-1-all", {"n": "3", "size": "1024x1024"}),
        ("someone-elses-model", {"n": "3", "size": "1024x1024"}),
    ],
)
def test_request_fields_sends_only_what_the_model_accepts(
    model: str, expected: dict[str, str]
) -> None:
    assert request_fields(_request(model, **EVERY_FIELD_SET)) == expected


def test_request_fields_keeps_the_sdk_send_order() -> None:
    fields = request_fields(_request("gpt-image-1.5", **EVERY_FIELD_SET))
    assert list(fields) == [name for name in OPTIONAL_FIELDS if name in fields]


def test_moderation_goes_out_only_when_set() -> None:
    assert "moderation" not in request_fields(_request("gpt-image-1.5", n=2))
    assert request_fields(_request("gpt-image-1.5", moderation="auto"))["moderation"] == "auto"


def test_unset_fields_are_never_sent() -> None:
    assert request_fields(_request("gpt-image-1.5")) == {}


def test_stream_false_is_sent_as_the_word_false() -> None:
    assert request_fields(_request("gpt-image-1", stream=False)) == {"stream": "false"}


def test_empty_model_name_means_the_default() -> None:
    assert get_model("  ").name == DEFAULT_MODEL


def test_parse_size_and_one_of() -> None:
    assert parse_size("1536x1024") == (1536, 1024)
    assert parse_size("auto") is None and parse_size("0x5") is None
    assert one_of(("a", "b", "c")) == "a, b or c" and one_of(("a",)) == "a"


def test_canonical_name_gives_a_snapshots_base_and_leaves_others_alone() -> None:
    assert canonical_name("gpt-image-2.5-flare-2026-09-08") == "gpt-image-2.5-flare"
    assert canonical_name("gpt-image-1.5") == "gpt-image-1.5"
    assert canonical_name("acme-2026-01-01") == "acme-2026-01-01"
