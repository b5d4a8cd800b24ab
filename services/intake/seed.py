"""Reference units shipped with the project (see data/README.md for sources and licence)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, MetaData, insert

from services.intake.store import units
from shared.events import encode, make_event
from shared.tables import PlatformTables, add_platform_tables
from shared.text import fold, nfc

DATA = Path(__file__).parent / "data"


def reference_units() -> list[dict[str, Any]]:
    departments = json.loads((DATA / "departments.json").read_text(encoding="utf-8"))
    communes = json.loads((DATA / "thanhhoa_communes_166.json").read_text(encoding="utf-8"))
    rows = [dict(d, active=True) for d in departments]
    for commune in communes["don_vi"]:
        rows.append(
            {
                "code": commune["ma_dvhc"],
                "name": nfc(commune["ten_day_du"]),
                "kind": "ward" if commune["loai"] == "Phường" else "commune",
                "active": True,
            }
        )
    return rows


def seed_units(conn: Connection) -> int:
    rows = reference_units()
    now = datetime.now(UTC)
    outbox = _outbox()
    conn.execute(
        insert(units),
        [
            {
                **row,
                "name": nfc(row["name"]),
                "successor": None,
                "search_text": fold(f"{row['code']} {row['name']}"),
            }
            for row in rows
        ],
    )
    events = [
        make_event(
            "unit.updated",
            {**row, "successor": None},
            source="/nhiemvu/intake",
            time=now,
            subject=row["code"],
        )
        for row in rows
    ]
    conn.execute(
        insert(outbox),
        [
            {"event_id": e["id"], "event_type": e["type"], "body": encode(e), "created_at": now}
            for e in events
        ],
    )
    return len(rows)


def _outbox() -> Any:
    tables: PlatformTables = add_platform_tables(MetaData())
    return tables.outbox
