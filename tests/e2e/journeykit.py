"""What the journeys through the running system share: a document to release, the day's figures
of a unit, and moving the system's clock."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.calendar import local_date
from tests.e2e.conftest import Client


def a_document(lead_unit: str = "SO_TC", due_in_days: int = 10, **overrides: Any) -> dict:
    today = local_date(datetime.now(UTC))
    document = {
        "source_id": f"e2e-{uuid.uuid4().hex}",
        "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-KTTC",
        "type": "cong_van",
        "assigned_by": "pho_chu_tich",
        "signer": {"name": "Lê Văn C", "position": "Phó Chủ tịch UBND tỉnh"},
        "issued_on": today.isoformat(),
        "urgency": "thuong",
        "secrecy": None,
        "summary": "Về việc rà soát nguồn vốn đầu tư công năm 2026",
        "release": True,
        "tasks": [
            {
                "content": "Rà soát, báo cáo tình hình giải ngân vốn đầu tư công",
                "lead_unit": lead_unit,
                "coordinating_units": ["SO_XD"],
                "due_on": (today + timedelta(days=due_in_days)).isoformat(),
                "cadence": None,
            }
        ],
    }
    document.update(overrides)
    return document


def stats_for(client: Client, token: str, unit: str) -> dict:
    today = local_date(datetime.now(UTC))
    answer = client.call(
        "GET",
        f"/api/reporting/stats?from={today.isoformat()}&to={today.isoformat()}&unit={unit}",
        token,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["totals"]


def advance_to(client: Client, target: datetime) -> float:
    """Move the clock to `target` with {"advance": ...}; returns how long the call took."""
    now = datetime.fromisoformat(client.call("GET", "/api/admin/clock").json()["now"])
    seconds = max(int((target - now).total_seconds()) + 1, 0)
    began = time.monotonic()
    answer = client.call("POST", "/api/admin/clock", json={"advance": f"PT{seconds}S"})
    assert answer.status_code == 200, answer.text
    return time.monotonic() - began
