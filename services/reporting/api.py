"""Reporting routes: statistics in the national categories."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.reporting import domain, schemas, store
from shared.auth import Principal, authenticate_request, unit_scope
from shared.calendar import local_date
from shared.errors import Forbidden
from shared.http import ApiRouter, query_args

if TYPE_CHECKING:
    from shared.runtime import Runtime

PREFIX = "/api/reporting"


def build_router(service: Runtime) -> ApiRouter:
    def principal() -> Principal:
        return authenticate_request(service.verifier)

    router = ApiRouter("reporting", subject_of=lambda: principal().sub)
    stats_query = schemas.StatsQuery()
    platform = service.platform

    @router.route(
        f"{PREFIX}/stats",
        query=schemas.StatsQuery,
        response=schemas.StatsOut,
        summary="Tasks assigned in [from, to], counted at the cut-off, per unit",
    )
    def get_stats() -> Any:
        caller = principal()
        args = query_args(stats_query)
        unit = _unit_for(caller, args["unit"])
        as_of = domain.cut_off(args["to"], platform.clock.now())
        with platform.database.read() as conn:
            rows = store.category_counts(
                conn,
                start=args["from_"],
                end=args["to"],
                as_of=as_of,
                as_of_date=local_date(as_of),
                unit=unit,
            )
            names = store.unit_names(conn, [row["unit"] for row in rows])
        totals = {name: sum(row[name] for row in rows) for name in domain.CATEGORIES}
        return {
            "from": args["from_"],
            "to": args["to"],
            "as_of": as_of,
            "totals": domain.with_totals(totals),
            "units": [
                {
                    "unit": row["unit"],
                    "name": names.get(row["unit"], row["unit"]),
                    **domain.with_totals(row),
                }
                for row in rows
            ],
            "labels": domain.CATEGORY_LABELS,
        }

    return router


def _unit_for(caller: Principal, requested: str | None) -> str | None:
    """Unit people see their own unit's figures; the Office and leaders see any unit's."""
    scope = unit_scope(caller)
    if scope is None:
        return requested
    if requested and requested not in scope:
        raise Forbidden("Bạn chỉ xem được số liệu của đơn vị mình.")
    if caller.unit is None:
        raise Forbidden("Tài khoản không thuộc đơn vị nào.")
    return requested or caller.unit
