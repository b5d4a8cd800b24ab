"""The units (~180) as the pickers and tables show them, read from intake and kept a few minutes."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from services.web.api_client import ApiClient
from shared.text import fold

CACHE_SECONDS = 300
KIND_ORDER = {"office": 0, "department": 1, "other": 2, "ward": 3, "commune": 4}
KIND_LABELS = {
    "office": "Văn phòng",
    "department": "Sở, ban, ngành",
    "commune": "Xã",
    "ward": "Phường",
    "other": "Cơ quan khác",
}


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str
    active: bool

    @property
    def search(self) -> str:
        """What the picker's filter matches: name and code without diacritics (đ as d)."""
        return fold(f"{self.name} {self.code}")


class UnitDirectory:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._units: list[Unit] = []
        self._loaded = 0.0

    def all(self, api: ApiClient) -> list[Unit]:
        with self._lock:
            if not self._units or time.monotonic() - self._loaded > CACHE_SECONDS:
                self._units = _load(api)
                self._loaded = time.monotonic()
            return self._units

    def active(self, api: ApiClient) -> list[Unit]:
        return [u for u in self.all(api) if u.active]

    def names(self, api: ApiClient) -> dict[str, str]:
        return {u.code: u.name for u in self.all(api)}

    def forget(self) -> None:
        with self._lock:
            self._units = []


def _load(api: ApiClient) -> list[Unit]:
    units: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = api.get("intake", "/units", limit=500, offset=offset)
        units.extend(page["items"])
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            break
    parsed = [Unit(u["code"], u["name"], u["kind"], bool(u.get("active", True))) for u in units]
    return sorted(parsed, key=lambda u: (KIND_ORDER.get(u.kind, 9), fold(u.name)))
