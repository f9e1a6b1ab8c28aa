"""What the server remembers between requests: settings, faults, received requests, files.

The event loop thread writes, the test thread reads: every shared list sits behind a lock.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from maskpaint.server.faults import Fault

#: Headers whose values never leave the server: not in `received`, not in any log.
SECRET_HEADERS = frozenset({"authorization", "api-key", "cookie", "proxy-authorization"})
REDACTED = "REDACTED"
#: OpenAI's image URLs are valid for 60 minutes.
FILE_LIFETIME = 3600.0
MAX_FILES = 256


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the server saw it; the API key is redacted, file bodies left out."""

    at: float  # time.time() when the request arrived
    path: str
    method: str
    fields: Mapping[str, str]  # non-file form fields
    files: Mapping[str, tuple[str, str, int]]  # part name -> (filename, content type, size)
    headers: Mapping[str, str]

    def __post_init__(self) -> None:
        for name in ("fields", "files", "headers"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "path": self.path,
            "method": self.method,
            "fields": dict(self.fields),
            "files": {name: list(info) for name, info in self.files.items()},
            "headers": dict(self.headers),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReceivedRequest:
        """Read back what GET /__maskpaint__/received answers (for tests in another process)."""
        files = {name: (str(f[0]), str(f[1]), int(f[2])) for name, f in data["files"].items()}
        return cls(
            at=float(data["at"]),
            path=str(data["path"]),
            method=str(data["method"]),
            fields=dict(data["fields"]),
            files=files,
            headers=dict(data["headers"]),
        )


def redact_headers(headers: Iterable[tuple[str, str]]) -> Mapping[str, str]:
    """Lower-cased headers with every credential replaced by REDACTED."""
    return MappingProxyType(
        {k.lower(): REDACTED if k.lower() in SECRET_HEADERS else v for k, v in headers}
    )


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    media_type: str
    expires: float


class FileStore:
    """The images answered as URLs, kept for an hour (and at most MAX_FILES of them)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: OrderedDict[str, StoredFile] = OrderedDict()

    def put(self, data: bytes, extension: str, media_type: str) -> str:
        """Store `data`; returns the file name to serve it under, e.g. `img_ab12....png`."""
        name = f"img_{secrets.token_hex(12)}.{extension}"
        with self._lock:
            self._files[name] = StoredFile(data, media_type, time.time() + FILE_LIFETIME)
            while len(self._files) > MAX_FILES:
                self._files.popitem(last=False)
        return name

    def get(self, name: str) -> StoredFile | None:
        with self._lock:
            stored = self._files.get(name)
        return stored if stored is not None and stored.expires > time.time() else None

    def expire_all(self) -> None:
        with self._lock:
            self._files.clear()


class ServerState:
    """Settings and shared memory of one server: faults queue, received log, files."""

    def __init__(
        self, *, api_key: str | None = None, serve_urls: bool = False, work_delay: float = 0.0
    ) -> None:
        self._api_key = api_key
        self.serve_urls = serve_urls
        self.work_delay = work_delay
        self.files = FileStore()
        self._lock = threading.Lock()
        self._faults: deque[Fault] = deque()
        self._received: list[ReceivedRequest] = []

    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return f"ServerState(api_key={key}, serve_urls={self.serve_urls})"

    def authorized(self, headers: Mapping[str, str]) -> bool:
        """With a key configured: `Authorization: Bearer KEY` or Azure's `api-key: KEY`."""
        if self._api_key is None:
            return True
        bearer = headers.get("authorization", "")
        offered = bearer[7:].strip() if bearer.lower().startswith("bearer ") else None
        candidates = [c for c in (offered, headers.get("api-key")) if c]
        return any(secrets.compare_digest(c, self._api_key) for c in candidates)

    def push_faults(self, faults: Iterable[Fault]) -> None:
        with self._lock:
            self._faults.extend(faults)

    def next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def arrived(
        self, path: str, method: str, headers: Iterable[tuple[str, str]]
    ) -> ReceivedRequest:
        """Record a request the moment it arrives, before its body is read.

        Recording on arrival means a `clear()` forgets every request that came before it,
        even one still uploading; `parsed` fills in its form later, if it is still listed.
        """
        request = ReceivedRequest(time.time(), path, method, {}, {}, redact_headers(headers))
        with self._lock:
            self._received.append(request)
        return request

    def parsed(
        self,
        request: ReceivedRequest,
        fields: Mapping[str, str],
        files: Mapping[str, tuple[str, str, int]],
    ) -> None:
        """Fill in the form of a request recorded by `arrived`; a cleared one stays gone."""
        with self._lock:
            for index in range(len(self._received) - 1, -1, -1):
                if self._received[index] is request:
                    self._received[index] = replace(request, fields=fields, files=files)
                    return

    @property
    def received(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._received)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._received.clear()
