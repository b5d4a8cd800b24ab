"""Reporting's routes on what units were asked for: ad-hoc information requests (Đ8.1d, Đ9.2),
what each unit received in the period and how it answered; and their periodic reports (Đ18.1),
which units sent them, on time or late, and which did not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.reporting import figures, unit_reports
from services.reporting.info_requests import (
    PREFIX,
    InfoRequestQuery,
    InfoRequestStatsOut,
    stats,
)
from services.reporting.service import ReportingService
from shared.auth import Principal
from shared.http import ApiRouter, query_args


def add_routes(
    router: ApiRouter,
    service: ReportingService,
    principal: Callable[[], Principal],
    unit_for: Callable[[Principal, str | None], str | None],
) -> None:
    platform = service.runtime.platform
    query_schema = InfoRequestQuery()

    @router.route(
        f"{PREFIX}/info-requests",
        query=InfoRequestQuery,
        response=InfoRequestStatsOut,
        summary="Ad-hoc information requests each unit received in the period and how it "
        "answered them (Đ8.1d, Đ9.2)",
    )
    def get_info_requests() -> Any:
        caller = principal()
        args = query_args(query_schema)
        scope = figures.scope_for(args, platform.clock.now(), unit_for(caller, args.get("unit")))
        with platform.database.read() as conn:
            return {"period": args.get("period"), **stats(conn, scope)}

    unit_report_query = unit_reports.UnitReportQuery()

    @router.route(
        f"{PREFIX}/unit-reports",
        query=unit_reports.UnitReportQuery,
        response=unit_reports.UnitReportStatsOut,
        summary="Which units sent their periodic report for the period, on time or late, and "
        "which did not (Đ18.1)",
    )
    def get_unit_reports() -> Any:
        caller = principal()
        args = query_args(unit_report_query)
        unit = unit_for(caller, args.get("unit"))
        with platform.database.read() as conn:
            return unit_reports.stats(conn, args["period"], unit, platform.clock.now())
