"""Where and how to reach the image-edit endpoint: one frozen value, never showing the key."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urlsplit

OPENAI_BASE_URL = "https://api.openai.com/v1"
_USER_AGENT = "maskpaint/0.1"

#: Environment variables as the official SDKs read them (OpenAI, then Azure OpenAI).
_OPENAI_ENV = {
    "base_url": "OPENAI_BASE_URL",
    "api_key": "OPENAI_API_KEY",
    "organization": "OPENAI_ORG_ID",
    "project": "OPENAI_PROJECT_ID",
}
_AZURE_ENV = {
    "base_url": "AZURE_OPENAI_ENDPOINT",
    "api_key": "AZURE_OPENAI_API_KEY",
    "azure_api_version": "OPENAI_API_VERSION",
}


def is_loopback(host: str) -> bool:
    """`localhost` or a loopback address, counting IPv4-mapped IPv6 (`::ffff:127.0.0.1`).

    A dual-stack socket reports IPv4 clients in the mapped form, and Python before 3.13
    does not call that loopback.
    """
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def _frozen(headers: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(headers or {}))


@dataclass(frozen=True)
class ClientConfig:
    """Settings for one endpoint. `api_key` and header values never appear in a repr."""

    base_url: str = OPENAI_BASE_URL
    api_key: str | None = field(default=None, repr=False)
    provider: Literal["openai", "azure"] = "openai"
    azure_deployment: str | None = None
    azure_api_version: str | None = None
    organization: str | None = None
    project: str | None = None
    extra_headers: Mapping[str, str] = field(default_factory=_frozen, repr=False, hash=False)
    connect_timeout: float = 10.0
    total_timeout: float = 600.0  # GPT image edits take 30-120 s
    max_retries: int = 2

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra_headers", _frozen(self.extra_headers))

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **overrides: Any) -> ClientConfig:
        """Fill from the environment like the SDK does; overrides that are not None win."""
        provider = overrides.get("provider") or "openai"
        names = _AZURE_ENV if provider == "azure" else _OPENAI_ENV
        values: dict[str, Any] = {key: env[var] for key, var in names.items() if env.get(var)}
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown ClientConfig fields: {', '.join(sorted(unknown))}")
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)

    @property
    def is_configured(self) -> bool:
        """A key is set, or the base URL points somewhere that may not need one."""
        return bool(self.api_key) or self.base_url.rstrip("/") != OPENAI_BASE_URL

    @property
    def uses_local_backend(self) -> bool:
        """The base URL is on this machine (the embedded server or a local gateway)."""
        return is_loopback(urlsplit(self.base_url).hostname or "")

    def _azure_root(self) -> str:
        root = self.base_url.rstrip("/")
        return root if root.endswith("/openai") else f"{root}/openai"

    @property
    def edits_url(self) -> str:
        if self.provider == "azure":
            return f"{self._azure_root()}/deployments/{self.azure_deployment}/images/edits"
        return f"{self.base_url.rstrip('/')}/images/edits"

    @property
    def models_url(self) -> str:
        if self.provider == "azure":
            return f"{self._azure_root()}/models"
        return f"{self.base_url.rstrip('/')}/models"

    @property
    def query(self) -> dict[str, str]:
        """Azure wants `api-version` on every call; OpenAI wants nothing."""
        if self.provider == "azure" and self.azure_api_version:
            return {"api-version": self.azure_api_version}
        return {}

    def headers(self) -> dict[str, str]:
        """Auth and account headers. Never log what this returns."""
        headers = {"User-Agent": _USER_AGENT, "Accept": "application/json"}
        if self.api_key:
            if self.provider == "azure":
                headers["api-key"] = self.api_key
            else:
                headers["Authorization"] = f"Bearer {self.api_key}"
        if self.organization:
            headers["OpenAI-Organization"] = self.organization
        if self.project:
            headers["OpenAI-Project"] = self.project
        headers.update(self.extra_headers)
        return headers

    def same_origin(self, url: str) -> bool:
        """Whether `url` is on the API's own host, the only place the key may be sent."""
        ours, theirs = urlsplit(self.base_url), urlsplit(url)
        return (ours.scheme, ours.netloc) == (theirs.scheme, theirs.netloc)
