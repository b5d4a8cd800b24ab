"""Reporting's route for ad-hoc information requests (Đ8.1d, Đ9.2): what each unit received in
the period and how it answered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.reporting import figures
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
