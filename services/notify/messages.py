"""What notify sends and to whom: recipients, messages, the rule that makes them, and the
Office and the leaders as recipients. Plain values only (services/notify/domain.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.calendar import TZ

OFFICE_UNIT = "VP_UBND"


@dataclass(frozen=True)
class Recipient:
    kind: str  # "unit" or "user"
    id: str


@dataclass(frozen=True)
class Message:
    recipient: Recipient
    title: str
    body: str


# The People's Committee's leaders, addressed by role: their inbox, whoever holds the role.
LEADERS = Recipient("role", "leader")

Rule = Callable[[dict[str, Any], Callable[[str], str]], list[Message]]


def day(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(TZ)
    if hasattr(value, "strftime"):
        return str(value.strftime("%d/%m/%Y"))
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)
