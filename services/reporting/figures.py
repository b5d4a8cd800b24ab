"""The figures the routes and the periodic reports show, assembled from the SQL queries."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from services.reporting import domain, lookups, queries, store
from shared.calendar import TZ, local_date


def scope_for(args: dict[str, Any], now: datetime, unit: str | None) -> queries.Scope:
    as_of = domain.cut_off(args["to"], now)
    return queries.Scope(
        start=args["from_"],
        end=args["to"],
        as_of=as_of,
        as_of_date=local_date(as_of),
        unit=unit,
        document=args.get("document"),
        assigned_by=args.get("assigned_by"),
        signer=args.get("signer"),
        sector=args.get("sector"),
    )


def stats(conn: Connection, scope: queries.Scope, by: str = "unit") -> dict[str, Any]:
    """`{from, to, as_of, totals, units|groups}` (docs/counting.md, The answer)."""
    rows = queries.category_counts(conn, scope, by)
    if by == "leader":
        rows = [{**row, **leader_group(row["leader"], row["signer_name"])} for row in rows]
    names = _names(conn, by, [row["key"] for row in rows])
    totals = {name: sum(row[name] for row in rows) for name in domain.CATEGORIES}
    answer: dict[str, Any] = {
        "from": scope.start,
        "to": scope.end,
        "as_of": scope.as_of,
        "by": by,
        "totals": domain.with_totals(totals),
        "labels": domain.CATEGORY_LABELS,
    }
    key_name = "unit" if by == "unit" else "key"
    answer["units" if by == "unit" else "groups"] = [
        {
            key_name: row["key"],
            "name": row.get("name") or names.get(row["key"], row["key"]),
            **(
                {"leader": row["leader"], "signer_name": row["signer_name"]}
                if by == "leader"
                else {}
            ),
            **domain.with_totals(row),
        }
        for row in rows
    ]
    return answer


def leader_group(leader: str, signer_name: str | None) -> dict[str, Any]:
    """A leader row's `key` (the slug, or `pho_chu_tich:<signer>` for one Vice-Chairman) and its
    Vietnamese name ("Phó Chủ tịch UBND tỉnh Trần Thị B")."""
    label = {**domain.LEADER_LABELS, queries.UNKNOWN_LEADER: "Không rõ"}.get(leader, leader)
    if signer_name is None:
        return {"key": leader, "name": label}
    return {"key": f"{leader}:{signer_name}", "name": f"{label} {signer_name}"}


def _names(conn: Connection, by: str, keys: list[str]) -> dict[str, str]:
    if by == "unit":
        return lookups.unit_names(conn, keys)
    if by == "document":
        return lookups.document_numbers(conn, keys)
    if by == "officer":
        return lookups.officer_names(conn, keys)
    return {}  # by leader, each row names itself (leader_group)


def rankings(conn: Connection, scope: queries.Scope) -> list[dict[str, Any]]:
    """Units in Đ21 order; `rank` is the position among units with a rate, None for the rest."""
    return domain.ranked(stats(conn, scope, "unit")["units"])


def task_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **row,
            "category_label": domain.CATEGORY_LABELS[row["category"]],
            "reasons": domain.explanation_reasons(row["category"], row["rework_count"]),
        }
        for row in rows
    ]


def intake_compliance(conn: Connection, year: int) -> dict[str, Any]:
    """Documents the Office released per month of `year` (local time), on time or late (Đ6.1).

    A year holds a few thousand documents at most, so the months are tallied here rather than
    with dialect-specific date functions.
    """
    d = store.document_intake.c
    start = datetime(year, 1, 1, tzinfo=TZ)
    end = datetime(year + 1, 1, 1, tzinfo=TZ)
    query = select(d.released_at, d.released_late).where(
        d.released_at >= start, d.released_at < end
    )
    months = {m: {"month": m, "released": 0, "on_time": 0, "late": 0} for m in range(1, 13)}
    for row in conn.execute(query):
        month = months[local_date(row.released_at).month]
        month["released"] += 1
        month["late" if row.released_late else "on_time"] += 1
    totals = {
        "month": None,
        **{k: sum(m[k] for m in months.values()) for k in ("released", "on_time", "late")},
    }
    return {
        "year": year,
        "months": [_rate(m) for m in months.values()],
        "totals": _rate(totals),
    }


def intake_documents(
    conn: Connection, start: date, end: date, late: bool | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """The documents behind intake compliance (Đ6.1): released on a local day in [start, end],
    late or on time if `late` says which; earliest release first."""
    d = store.document_intake.c
    first = datetime.combine(start, time(0), tzinfo=TZ)
    after = datetime.combine(end + timedelta(days=1), time(0), tzinfo=TZ)
    where = [d.released_at >= first, d.released_at < after]
    if late is not None:
        where.append(d.released_late.is_(late))
    total = conn.execute(select(func.count()).where(*where)).scalar_one()
    rows = conn.execute(
        select(
            d.document_id,
            d.number,
            d.issued_on,
            d.intake_deadline,
            d.released_at,
            d.released_late,
        )
        .where(*where)
        .order_by(d.released_at, d.document_id)
        .limit(limit)
        .offset(offset)
    ).mappings()
    return [dict(row) for row in rows], int(total)


def _rate(row: dict[str, Any]) -> dict[str, Any]:
    released = row["released"]
    return {**row, "on_time_rate": round(row["on_time"] / released, 4) if released else None}
