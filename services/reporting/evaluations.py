"""What reporting does alike for the Office's two reviewed reports, the evaluation of a period
(Đ16.2, Đ18.2; `office_report.*`, table `office_evaluations`) and the annual report (Đ20.1;
`annual_report.*`, table `annual_evaluations`): on `submitted` it keeps the submission's sections
(a later one, after a return, replaces it, so the last is the version the leader approved:
nothing changes them between approval and publication); on `published` it marks them published
with the number the Office gave and publishes their stored report if it was not yet."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, update

from services.reporting import lookups, reports
from shared.events import Event
from shared.platform import UnitOfWork


def submission(event: Event, sections: Sequence[str]) -> dict[str, Any]:
    """The row a submission keeps: its case, its stored report (empty when the body had none),
    its sections in order, when it was submitted; the caller adds its period or year."""
    data = event.data
    details = data.get("details") or {}
    return {
        "case_id": data["case_id"],
        "report_id": details.get("report_id") or "",
        "sections": json.dumps({name: details.get(name) for name in sections}, ensure_ascii=False),
        "submitted_at": data["occurred_at"],
    }


def publish(uow: UnitOfWork, event: Event, table: Table) -> None:
    """The approved report is published: its row says when, by whom and under which number, and
    its stored report is published (once; a replay changes nothing)."""
    data = event.data
    found = lookups.row_of(uow.conn, table, data["case_id"])
    if found is None or found["published_at"] is not None:
        return  # published once; a replay changes nothing
    actor = data.get("actor") or {}
    number = (data.get("details") or {}).get("number")
    uow.conn.execute(
        update(table)
        .where(table.c.case_id == data["case_id"])
        .values(
            published_at=data["occurred_at"],
            published_by=actor.get("name") or actor.get("sub"),
            number=number or None,
        )
    )
    reports.publish_report(uow, actor or None, actor.get("sub") or "", found["report_id"])
