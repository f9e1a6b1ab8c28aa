"""The official OpenAPI excerpt (../shared/spec) as jsonschema validators.

Per the excerpt's header, the size and quality enums of the response schemas are
narrower than what newer models return, so they are treated as open strings here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_NAME = "openai-images-edit.yaml"
_URI = "urn:maskpaint:openai-images-edit"
_OPEN_STRINGS = {"size", "quality"}


def spec_path() -> Path:
    """`shared/spec` next to the repository (or next to one of its parent directories)."""
    repo = Path(__file__).resolve().parents[2]
    for folder in repo.parents:
        candidate = folder / "shared" / "spec" / SPEC_NAME
        if candidate.is_file():
            return candidate
    pytest.fail(
        f"{SPEC_NAME} not found: the repository expects the shared folder as a sibling "
        f"(../shared/spec/{SPEC_NAME}) or beside a parent directory of {repo}."
    )


def _open_enums(node: Any) -> Any:
    """A copy where every `size`/`quality` property accepts any string."""
    if isinstance(node, dict):
        copy = {key: _open_enums(value) for key, value in node.items()}
        properties = copy.get("properties")
        if isinstance(properties, dict):
            for name in _OPEN_STRINGS & properties.keys():
                properties[name] = {"type": "string"}
        return copy
    if isinstance(node, list):
        return [_open_enums(item) for item in node]
    return node


@cache
def _registry() -> Registry:
    document = yaml.safe_load(spec_path().read_text(encoding="utf-8"))
    resource = Resource.from_contents(_open_enums(document), default_specification=DRAFT202012)
    return Registry().with_resource(_URI, resource)


def validate(schema_name: str, instance: Any) -> None:
    """Raise jsonschema.ValidationError unless `instance` fits components.schemas[name]."""
    schema = {"$ref": f"{_URI}#/components/schemas/{schema_name}"}
    jsonschema.Draft202012Validator(schema, registry=_registry()).validate(instance)
