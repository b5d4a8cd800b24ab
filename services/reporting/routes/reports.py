"""Routes of the periodic reports (Đ18) and their public pages (Đ16.2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Response

from services.reporting import report_schemas, reports, schemas, xlsx
from shared.auth import LEADER, OFFICE_LEAD, OFFICE_ROLES, Principal, require_roles
from shared.http import ApiRouter, json_body, query_args

if TYPE_CHECKING:
    from services.reporting.service import ReportingService

PREFIX = "/api/reporting"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def add_routes(
    router: ApiRouter, service: ReportingService, principal: Callable[[], Principal]
) -> None:
    platform = service.runtime.platform
    report_in = report_schemas.ReportIn()
    page = schemas.Page()

    def reader() -> Principal:
        caller = principal()
        require_roles(caller, *OFFICE_ROLES, LEADER)
        return caller

    @router.route(
        f"{PREFIX}/reports",
        "POST",
        request=report_schemas.ReportIn,
        response=report_schemas.ReportOut,
        status=201,
        summary="Generate and store a periodic report (Đ18)",
    )
    def post_report() -> Any:
        caller = principal()
        require_roles(caller, *OFFICE_ROLES)
        body = json_body(report_in)
        with platform.unit_of_work() as uow:
            return reports.generate(uow, service, caller, body["period"], body["from_"], body["to"])

    @router.route(
        f"{PREFIX}/reports",
        query=schemas.Page,
        response=report_schemas.ReportPage,
        summary="Stored reports, newest first",
    )
    def list_reports() -> Any:
        reader()
        args = query_args(page)
        with platform.database.read() as conn:
            items, total = reports.listing(conn, published_only=False, **args)
        return {"items": items, "total": total, **args}

    @router.route(
        f"{PREFIX}/reports/<report_id>",
        response=report_schemas.ReportOut,
        summary="One stored report",
    )
    def get_report(report_id: str) -> Any:
        reader()
        with platform.database.read() as conn:
            report = reports.load(conn, report_id)
        return {**report, **reports.ranking_of(report)}

    @router.route(f"{PREFIX}/reports/<report_id>.xlsx", summary="One stored report as XLSX")
    def get_report_xlsx(report_id: str) -> Any:
        reader()
        with platform.database.read() as conn:
            report = reports.load(conn, report_id)
        response = Response(xlsx.report_workbook(report), mimetype=XLSX)
        name = f"bao-cao-{report['period'].replace('..', '_')}.xlsx"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @router.route(
        f"{PREFIX}/reports/<report_id>/publish",
        "POST",
        response=report_schemas.ReportOut,
        summary="Publish a report's results to the public (Đ16.2): the Office's leader, whose "
        "publishing is the approval (the Office's staff publish through its evaluation report, "
        "which the leader approves)",
    )
    def publish_report(report_id: str) -> Any:
        caller = principal()
        require_roles(caller, OFFICE_LEAD)
        with platform.unit_of_work() as uow:
            return reports.publish(uow, caller, report_id)

    @router.route(
        f"{PREFIX}/public/reports",
        query=schemas.Page,
        response=report_schemas.ReportPage,
        public=True,
        summary="Published reports, for everyone (Đ16.2)",
    )
    def list_public_reports() -> Any:
        args = query_args(page)
        with platform.database.read() as conn:
            items, total = reports.listing(conn, published_only=True, **args)
        return {"items": [reports.public_view(r) for r in items], "total": total, **args}

    @router.route(
        f"{PREFIX}/public/reports/<report_id>",
        response=report_schemas.ReportOut,
        public=True,
        summary="One published report, for everyone (Đ16.2)",
    )
    def get_public_report(report_id: str) -> Any:
        with platform.database.read() as conn:
            return reports.public_view(reports.load(conn, report_id, published_only=True))
