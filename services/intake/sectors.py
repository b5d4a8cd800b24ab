"""The sectors (ngành, lĩnh vực) a task belongs to and a department manages (Đ8.2a): reference
data in data/sectors.json, code → Vietnamese name."""

from __future__ import annotations

import json
from pathlib import Path

from shared.text import nfc

_FILE = Path(__file__).parent / "data" / "sectors.json"

SECTORS: dict[str, str] = {
    row["code"]: nfc(row["name"]) for row in json.loads(_FILE.read_text(encoding="utf-8"))
}
