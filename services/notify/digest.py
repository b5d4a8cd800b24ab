"""The daily digest: at DIGEST_TIME on working days, one email per unit or person with what it
held back.

Emails of units and people that chose the digest are written as held deliveries when their
events arrive; the first delivery round after the digest time gathers them into one email per
owner (a unit code, or "user:<sub>" for a person) and address.
The digest_runs row for the day makes that happen once, whichever worker gets there first.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from services.notify import mailer, outbound, store
from services.notify.config import ChannelSettings
from shared.calendar import TZ
from shared.runtime import Runtime

DIGEST_EVENT_TYPE = "notify.digest"


class DigestScheduler:
    def __init__(self, service: Runtime, channels: ChannelSettings) -> None:
        self.service = service
        self.channels = channels
        self._done: date | None = None

    def due_day(self, now: datetime) -> date | None:
        local = now.astimezone(TZ)
        day = local.date()
        if day == self._done or local.time() < self.channels.digest_time:
            return None
        return day if self.service.calendar.is_working_day(day) else None

    def tick(self, now: datetime) -> int:
        """Send the day's digests if it is time; returns how many were queued."""
        day = self.due_day(now)
        if day is None:
            return 0
        queued = 0
        with self.service.platform.database.transaction() as conn:
            if outbound.claim_digest_day(conn, day.isoformat(), now):
                queued = self._queue(conn, day, now)
        self._done = day
        return queued

    def _queue(self, conn: Any, day: date, now: datetime) -> int:
        groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for row in outbound.held_for_digest(conn):
            groups[(row["owner"], row["target"])].append(row)
        names = store.unit_names(conn, {owner for owner, _ in groups})
        subs = {o.removeprefix(outbound.PERSON_OWNER) for o, _ in groups if _is_person(o)}
        people = outbound.people(conn, subs)
        names |= {outbound.person_owner(sub): person["name"] for sub, person in people.items()}
        rows = []
        for (unit, address), held in groups.items():
            items = [json.loads(row["payload"]) for row in held]
            rendered = mailer.render(
                "digest",
                {
                    "unit_name": names.get(unit, unit.removeprefix(outbound.PERSON_OWNER)),
                    "title": f"Tổng hợp thông báo ngày {day.strftime('%d/%m/%Y')}",
                    "day": day.strftime("%d/%m/%Y"),
                    "items": [{"title": i["title"], "body": i["body"]} for i in items],
                },
            )
            rows.append(
                outbound.new_delivery(
                    event_id=f"digest:{day.isoformat()}:{unit}",
                    recipient=address,
                    channel=outbound.EMAIL,
                    owner=unit,
                    target=address,
                    event_type=DIGEST_EVENT_TYPE,
                    payload=mailer.payload(address, rendered),
                    now=now,
                    max_age=timedelta(hours=self.channels.max_age_hours),
                )
            )
            outbound.mark_digested(conn, [row["id"] for row in held])
        outbound.add_deliveries(conn, rows)
        return len(rows)


def _is_person(owner: str) -> bool:
    """A person's digest (owner "user:<sub>") rather than a unit's (owner: the unit code)."""
    return owner.startswith(outbound.PERSON_OWNER)
