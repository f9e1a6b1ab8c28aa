"""What each model accepts: one table of facts, read by the client, preflight, server and UI.

Every limit lives in `_TABLE` below as data. Code elsewhere asks a `ModelSpec`
("does it take quality?", "is 2048x1152 allowed?") instead of testing model names,
so a new model is one more row, not a hunt through if-chains.
Sources: ../shared/spec/README.md and the OpenAPI excerpt next to it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, replace

from maskpaint.core.request import DEFAULT_MODEL, OPTIONAL_FIELDS, EditRequest

__all__ = [
    "DEFAULT_MODEL",
    "ModelSpec",
    "SizeRule",
    "canonical_name",
    "get_model",
    "known_models",
    "one_of",
    "parse_size",
    "request_fields",
]

MB = 1024 * 1024

#: Fields every image-edit endpoint takes (beside prompt, image and mask).
UNIVERSAL_FIELDS = frozenset({"n", "size"})
#: GPT image models take every optional field but dall-e-2's response_format.
_GPT_FIELDS = frozenset(OPTIONAL_FIELDS) - {"response_format"}
STANDARD_SIZES = ("1024x1024", "1536x1024", "1024x1536")
_SIZE_RE = re.compile(r"^([1-9][0-9]*)x([1-9][0-9]*)$")
_SNAPSHOT_RE = re.compile(r"^(?P<base>.+)-(?P<date>\d{4}-\d{2}-\d{2})$")


def one_of(choices: tuple[str, ...]) -> str:
    """("a", "b", "c") -> "a, b or c", for sentences that list what is allowed."""
    if len(choices) < 2:
        return "".join(choices) or "nothing"
    return f"{', '.join(choices[:-1])} or {choices[-1]}"


def parse_size(size: str) -> tuple[int, int] | None:
    """`"1536x1024"` -> (1536, 1024); None for "auto" or anything malformed."""
    match = _SIZE_RE.match(size.strip())
    return (int(match[1]), int(match[2])) if match else None


@dataclass(frozen=True)
class SizeRule:
    """Limits on a free WxH size. None switches a limit off (for unknown models)."""

    multiple: int = 16
    max_aspect: float | None = 3.0
    max_long_side: int | None = 3840
    max_short_side: int | None = None  # the 2.5 models stop at 3840x2160
    min_pixels: int | None = 655_360
    max_pixels: int | None = 8_294_400
    experimental_pixels: int | None = 2560 * 1440  # more pixels than this: experimental

    def problem(self, w: int, h: int) -> str | None:
        """Why WxH breaks the rule, as the end of a sentence; None if it does not."""
        long, short = max(w, h), min(w, h)
        if w % self.multiple or h % self.multiple:
            return f"both sides must be multiples of {self.multiple}"
        if self.max_aspect is not None and long > short * self.max_aspect:
            return (
                f"the aspect ratio must stay within 1:{self.max_aspect:g} and {self.max_aspect:g}:1"
            )
        if self.max_long_side is not None and long > self.max_long_side:
            return f"the long side may be at most {self.max_long_side} pixels"
        if self.max_short_side is not None and short > self.max_short_side:
            return f"the short side may be at most {self.max_short_side} pixels"
        if self.min_pixels is not None and w * h < self.min_pixels:
            return f"it needs at least {self.min_pixels:,} pixels (it has {w * h:,})"
        if self.max_pixels is not None and w * h > self.max_pixels:
            return f"it may have at most {self.max_pixels:,} pixels (it has {w * h:,})"
        return None


#: gpt-image-2's free sizes; the 2.5 models add a cap of 3840x2160.
_GPT2_SIZES = SizeRule()
_GPT25_SIZES = SizeRule(max_short_side=2160)
#: Unknown models: any well-formed WxH, the server decides.
_ANY_SIZE = SizeRule(
    multiple=1,
    max_aspect=None,
    max_long_side=None,
    min_pixels=None,
    max_pixels=None,
    experimental_pixels=None,
)


@dataclass(frozen=True)
class ModelSpec:
    """The facts about one model that decide what maskpaint sends and checks."""

    name: str
    label: str  # for the UI
    fields: frozenset[str]  # optional form fields it accepts (request.OPTIONAL_FIELDS names)
    sizes: tuple[str, ...]  # standard sizes offered in the UI (incl. "auto" if allowed)
    qualities: tuple[str, ...]
    backgrounds: tuple[str, ...]
    output_formats: tuple[str, ...]
    input_fidelities: tuple[str, ...]
    n_max: int
    prompt_max: int
    max_images: int
    image_formats: tuple[str, ...]  # Pillow-style names: png, jpeg, webp
    image_max_bytes: int  # each image must be smaller than this
    mask_max_bytes: int
    square_png_only: bool
    streaming: bool
    retired: datetime.date | None
    known: bool
    note: str
    family: str = "GPT Image"
    provider: str = "OpenAI"
    size_rule: SizeRule | None = None  # set: any WxH within the rule is allowed too
    partial_images_max: int = 3

    @property
    def free_size(self) -> bool:
        """Any WxH under `size_rule` is allowed, not only the listed sizes."""
        return self.size_rule is not None

    def accepts(self, field: str) -> bool:
        return field in self.fields

    def allowed_values(self, field: str) -> tuple[str, ...] | None:
        """The closed list of values for a text field, or None when the field is open."""
        choices = {
            "quality": self.qualities,
            "background": self.backgrounds,
            "output_format": self.output_formats,
            "input_fidelity": self.input_fidelities,
            "response_format": ("url", "b64_json"),
            "moderation": ("low", "auto"),
        }
        return choices.get(field)

    def size_problem(self, size: str) -> str | None:
        """A plain sentence saying why `size` is not allowed, or None if it is."""
        if size in self.sizes or (size == "auto" and self.size_rule is _ANY_SIZE):
            return None
        offered = one_of(self.sizes)
        parsed = parse_size(size)
        if self.size_rule is None or parsed is None:
            extra = " or any WIDTHxHEIGHT" if self.size_rule is not None else ""
            return f"{self.name} takes the sizes {offered}{extra}, not {size!r}."
        reason = self.size_rule.problem(*parsed)
        if reason is None:
            return None
        return f"The size {size} does not work on {self.name}: {reason}."

    def size_warning(self, size: str) -> str | None:
        """A caution for allowed but risky sizes (gpt-image-2's experimental range)."""
        parsed = parse_size(size)
        rule = self.size_rule
        if parsed is None or rule is None or rule.experimental_pixels is None:
            return None
        if parsed[0] * parsed[1] <= rule.experimental_pixels or self.size_problem(size):
            return None
        return f"{size} is above 2560x1440, which {self.name} treats as experimental."


# Templates the table rows start from; each row then says only how it differs.
_GPT = ModelSpec(
    name="",
    label="",
    fields=_GPT_FIELDS,
    sizes=(*STANDARD_SIZES, "auto"),
    qualities=("low", "medium", "high", "auto"),
    backgrounds=("transparent", "opaque", "auto"),
    output_formats=("png", "jpeg", "webp"),
    input_fidelities=("high", "low"),
    n_max=10,
    prompt_max=32_000,
    max_images=16,
    image_formats=("png", "jpeg", "webp"),
    image_max_bytes=50 * MB,
    mask_max_bytes=4 * MB,
    square_png_only=False,
    streaming=True,
    retired=None,
    known=True,
    note="",
)
_GPT2 = replace(
    _GPT, fields=_GPT_FIELDS - {"input_fidelity"}, input_fidelities=(), size_rule=_GPT2_SIZES
)
_GPT25 = replace(
    _GPT2, qualities=("low", "medium", "high", "xhigh", "max", "auto"), size_rule=_GPT25_SIZES
)
# Gateway models: only the universal fields. Their gateways document n and size but
# nothing else, and a field they do not know may be answered with a 400, so leave
# quality/background/format/stream out. Limits stay at the GPT image ones because
# nothing stricter is documented.
_GATEWAY = replace(
    _GPT,
    fields=UNIVERSAL_FIELDS,
    sizes=STANDARD_SIZES,
    qualities=(),
    backgrounds=(),
    output_formats=(),
    input_fidelities=(),
    streaming=False,
    provider="gateway",
)

_TABLE: tuple[ModelSpec, ...] = (
    replace(_GPT, name="gpt-image-1.5", label="GPT Image 1.5", note="OpenAI's default edit model."),
    replace(
        _GPT25,
        name="gpt-image-2.5-sunburst",
        label="GPT Image 2.5 Sunburst",
        note="Precise edits that leave the rest of the picture alone.",
    ),
    replace(
        _GPT25,
        name="gpt-image-2.5-flare",
        label="GPT Image 2.5 Flare",
        note="The faster GPT Image 2.5 model.",
    ),
    replace(
        _GPT2,
        name="gpt-image-2",
        label="GPT Image 2",
        note="Any size in steps of 16; transparent backgrounds are a preview.",
    ),
    replace(
        _GPT,
        name="gpt-image-1-mini",
        label="GPT Image 1 mini",
        input_fidelities=("low",),
        note="The cheapest GPT image model; input fidelity low only.",
    ),
    replace(
        _GPT,
        name="chatgpt-image-latest",
        label="ChatGPT Image (latest)",
        # Same input rules as the GPT image models; input_fidelity is not documented for it.
        fields=_GPT_FIELDS - {"input_fidelity"},
        input_fidelities=(),
        note="The image model ChatGPT uses now; it changes without notice.",
    ),
    replace(
        _GATEWAY,
        name="flux-kontext-pro",
        label="FLUX.1 Kontext [pro]",
        family="FLUX",
        note="Served by gateways only; maskpaint sends just prompt, image, mask, n and size.",
    ),
    replace(
        _GATEWAY,
        name="flux-kontext-max",
        label="FLUX.1 Kontext [max]",
        family="FLUX",
        note="Served by gateways only; maskpaint sends just prompt, image, mask, n and size.",
    ),
    replace(
        _GATEWAY,
        name="gpt-image-1-all",
        label="GPT Image 1 (all, gateway)",
        note="A gateway model that often answers in chat form; only n and size are sent.",
    ),
    replace(
        _GPT,
        name="gpt-image-1",
        label="GPT Image 1",
        retired=datetime.date(2026, 10, 23),
        note="Retired by OpenAI on 2026-10-23; gateways may still serve it.",
    ),
    ModelSpec(
        name="dall-e-2",
        label="DALL·E 2",
        fields=frozenset({"n", "quality", "response_format", "size", "user"}),
        sizes=("256x256", "512x512", "1024x1024"),
        qualities=("standard",),
        backgrounds=(),
        output_formats=(),
        input_fidelities=(),
        n_max=10,
        prompt_max=1000,
        max_images=1,
        image_formats=("png",),
        image_max_bytes=4 * MB,
        mask_max_bytes=4 * MB,
        square_png_only=True,
        streaming=False,
        retired=datetime.date(2026, 5, 12),
        known=True,
        note="Retired by OpenAI on 2026-05-12; gateways may still serve it.",
        family="DALL·E",
    ),
)
_BY_NAME = {spec.name: spec for spec in _TABLE}
#: Dated snapshots OpenAI documents; any other `-YYYY-MM-DD` name resolves the same way.
_LISTED_SNAPSHOTS = (
    "gpt-image-2.5-sunburst-2026-09-08",
    "gpt-image-2.5-flare-2026-09-08",
    "gpt-image-2-2026-04-21",
)


def _base_name(name: str) -> str | None:
    match = _SNAPSHOT_RE.match(name)
    return match["base"] if match else None


def _snapshot(name: str) -> ModelSpec | None:
    """A dated snapshot (`base-YYYY-MM-DD`) follows its base model's rules."""
    match = _SNAPSHOT_RE.match(name)
    if match is None or match["base"] not in _BY_NAME:
        return None
    base = _BY_NAME[match["base"]]
    return replace(base, name=name, label=f"{base.label} ({match['date']})")


def _unknown(name: str) -> ModelSpec:
    """A permissive spec: send only what every endpoint takes, let the server judge."""
    return replace(
        _GATEWAY,
        name=name,
        label=name,
        size_rule=_ANY_SIZE,
        known=False,
        family="Other",
        provider="unknown",
        note="maskpaint does not know this model: it sends only prompt, images, mask, n, size.",
    )


def get_model(name: str) -> ModelSpec:
    """The spec for `name`: exact, a dated snapshot of a known model, or a permissive one."""
    name = name.strip() or DEFAULT_MODEL
    return _BY_NAME.get(name) or _snapshot(name) or _unknown(name)


def canonical_name(name: str) -> str:
    """The table row a name follows: a known model's snapshot gives its base, else the name."""
    name = name.strip() or DEFAULT_MODEL
    base = _base_name(name)
    return base if base in _BY_NAME and name not in _BY_NAME else name


def known_models() -> tuple[ModelSpec, ...]:
    """Known models and their listed snapshots: default first, retired last."""
    specs: list[ModelSpec] = []
    for spec in _TABLE:
        specs.append(spec)
        specs.extend(get_model(s) for s in _LISTED_SNAPSHOTS if _base_name(s) == spec.name)
    specs.sort(key=lambda s: (s.name != DEFAULT_MODEL, s.retired is not None))
    return tuple(specs)


def _form_value(value: object) -> str:
    """How the multipart body carries a value: booleans as "true"/"false"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def request_fields(request: EditRequest) -> dict[str, str]:
    """The optional form fields to send: set on the request and accepted by its model.

    The one place that decides this, so `response_format` reaches only dall-e-2 and
    `moderation` goes out only when the user set it.
    """
    spec = get_model(request.model)
    return {
        name: _form_value(value)
        for name, value in request.set_fields().items()
        if spec.accepts(name)
    }
