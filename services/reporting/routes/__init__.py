"""Reporting routes: statistics in the national categories, drill-down, rankings (Đ21), the
Đ17.4 explanation list and the Office's intake compliance (Đ6.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.reporting import (
    annual,
    commendations,
    config,
    domain,
    figures,
    office,
    office_schemas,
    queries,
    report_schemas,
    schemas,
    store,
)
from services.reporting import reports as stored_reports
from services.reporting.routes import documents as document_routes
from services.reporting.routes import info_requests as info_request_routes
from services.reporting.routes import reports as report_routes
from shared.auth import (
    LEADER,
    OFFICE_ROLES,
    Principal,
    authenticate_request,
    require_roles,
    sector_scope,
    unit_scope,
)
from shared.errors import Forbidden
from shared.http import ApiRouter, json_body, page, query_args
from shared.scoping import UnitDirectory

if TYPE_CHECKING:
    from services.reporting.service import ReportingService

PREFIX = "/api/reporting"
RANKING_RULE = domain.RANKING_RULE


def build_router(service: ReportingService) -> ApiRouter:
    def principal() -> Principal:
        # A head reads the figures of the units under theirs (Đ7.2a, Đ8.2c).
        caller = authenticate_request(service.runtime.verifier)
        return UnitDirectory(platform.database, store.units).resolve(caller)

    router = ApiRouter("reporting", subject_of=lambda: principal().sub)
    platform = service.runtime.platform
    stats_query = schemas.StatsQuery()
    task_query = schemas.TaskListQuery()
    ranking_query = schemas.RankingQuery()
    explanation_query = schemas.ExplanationQuery()
    year_query = schemas.YearQuery()
    annual_query = report_schemas.AnnualIn()
    period_query = schemas.PeriodQuery()
    intake_documents_query = schemas.IntakeDocumentsQuery()
    wait_days = config.confirmation_wait_days(service.runtime.env)

    def scope(args: dict[str, Any], caller: Principal) -> queries.Scope:
        if args.get("sector") and args["sector"] in sector_scope(caller):
            # Đ8.2a: a department reads the figures of every unit in a sector it manages.
            return figures.scope_for(args, platform.clock.now(), args.get("unit"))
        unit = _unit_for(caller, args.get("unit"))
        return figures.scope_for(args, platform.clock.now(), unit)

    @router.route(
        f"{PREFIX}/stats",
        query=schemas.StatsQuery,
        response=schemas.StatsOut,
        summary="Tasks assigned in the period, counted at the cut-off, by unit, "
        "document or assigning leader",
    )
    def get_stats() -> Any:
        caller = principal()
        args = query_args(stats_query)
        with platform.database.read() as conn:
            answer = figures.stats(conn, scope(args, caller), args["by"])
        return {"period": args.get("period"), **answer}

    @router.route(
        f"{PREFIX}/trend",
        query=schemas.StatsQuery,
        response=schemas.TrendOut,
        summary="Month by month: each month's assignments counted at that month's end, as a "
        "report of that month would (the drill-down of a month is /stats/tasks with its from/to)",
    )
    def get_trend() -> Any:
        caller = principal()
        args = query_args(stats_query)
        unit = _unit_for(caller, args.get("unit"))
        now = platform.clock.now()
        months = []
        with platform.database.read() as conn:
            for start, end in domain.months_of(args["from_"], args["to"]):
                month_scope = figures.scope_for({**args, "from_": start, "to": end}, now, unit)
                if month_scope.start > month_scope.as_of_date:
                    break  # a month that has not begun has nothing to count yet
                counted = figures.stats(conn, month_scope, "unit")
                months.append(
                    {
                        "month": start.strftime("%Y-%m"),
                        "from": start,
                        "to": end,
                        "as_of": month_scope.as_of,
                        **counted["totals"],
                    }
                )
        return {
            "period": args.get("period"),
            "from": args["from_"],
            "to": args["to"],
            "labels": domain.CATEGORY_LABELS,
            "months": months,
        }

    @router.route(
        f"{PREFIX}/stats/tasks",
        query=schemas.TaskListQuery,
        response=schemas.TaskPage,
        summary="The tasks behind a number (drill-down)",
    )
    def get_stats_tasks() -> Any:
        caller = principal()
        args = query_args(task_query)
        category = args["category"]
        with platform.database.read() as conn:
            rows, total = queries.task_list(
                conn,
                scope(args, caller),
                categories=(category,) if category else None,
                limit=args["limit"],
                offset=args["offset"],
            )
        return page(figures.task_rows(rows), total, args)

    @router.route(
        f"{PREFIX}/rankings",
        query=schemas.RankingQuery,
        response=schemas.RankingOut,
        summary="Units ranked by on-time completion (Đ21)",
    )
    def get_rankings() -> Any:
        caller = principal()
        require_roles(caller, *OFFICE_ROLES, LEADER)
        args = query_args(ranking_query)
        period_scope = scope(args, caller)
        with platform.database.read() as conn:
            items = figures.rankings(conn, period_scope)
        return {
            "period": args.get("period"),
            "from": period_scope.start,
            "to": period_scope.end,
            "as_of": period_scope.as_of,
            "rule": RANKING_RULE,
            "items": items,
        }

    @router.route(
        f"{PREFIX}/commendation-candidates",
        query=schemas.RankingQuery,
        response=schemas.CandidatesOut,
        summary="Units and officers proposed for commendation or for review by the written rule "
        "(Đ21; docs/counting.md)",
    )
    def get_commendation_candidates() -> Any:
        caller = principal()
        require_roles(caller, *OFFICE_ROLES, LEADER)
        args = query_args(ranking_query)
        period_scope = scope(args, caller)
        with platform.database.read() as conn:
            items = commendations.candidates(conn, period_scope)
        return {
            "period": args.get("period"),
            "from": period_scope.start,
            "to": period_scope.end,
            "as_of": period_scope.as_of,
            "rule": commendations.RULE,
            "items": items,
        }

    @router.route(
        f"{PREFIX}/explanations",
        query=schemas.ExplanationQuery,
        response=schemas.TaskPage,
        summary="Tasks without a due date and no result, late, overdue or sent back more than "
        "once, to explain (Đ17.4)",
    )
    def get_explanations() -> Any:
        caller = principal()
        args = query_args(explanation_query)
        with platform.database.read() as conn:
            rows, total = queries.task_list(
                conn,
                scope(args, caller),
                categories=queries.EXPLAINED,
                min_reworks=queries.EXPLAINED_REWORKS,
                limit=args["limit"],
                offset=args["offset"],
            )
        return page(figures.task_rows(rows), total, args)

    @router.route(
        f"{PREFIX}/intake-compliance",
        query=schemas.YearQuery,
        response=office_schemas.ComplianceOut,
        summary="Documents the Office released within the intake deadline, by month (Đ6.1)",
    )
    def get_intake_compliance() -> Any:
        require_roles(principal(), *OFFICE_ROLES, LEADER)
        args = query_args(year_query)
        with platform.database.read() as conn:
            return figures.intake_compliance(conn, args["year"])

    @router.route(
        f"{PREFIX}/intake-compliance/documents",
        query=schemas.IntakeDocumentsQuery,
        response=office_schemas.IntakeDocumentPage,
        summary="The documents behind intake compliance: released in the period, late or on "
        "time (Đ6.1)",
    )
    def get_intake_documents() -> Any:
        require_roles(principal(), *OFFICE_ROLES, LEADER)
        args = query_args(intake_documents_query)
        with platform.database.read() as conn:
            items, total = figures.intake_documents(
                conn, args["from_"], args["to"], args["late"], args["limit"], args["offset"]
            )
        return page(items, total, args)

    @router.route(
        f"{PREFIX}/confirmation-lag",
        query=schemas.PeriodQuery,
        response=office_schemas.ConfirmationLagOut,
        summary="The Office's confirmation lag: working days from a unit's submission to the "
        "Office's confirmation or rework, by month, and results still waiting",
    )
    def get_confirmation_lag() -> Any:
        require_roles(principal(), *OFFICE_ROLES, LEADER)
        args = query_args(period_query)
        period_scope = figures.scope_for(args, platform.clock.now(), None)
        with platform.database.read() as conn:
            return office.confirmation_lag(conn, period_scope, service.runtime.calendar, wait_days)

    @router.route(
        f"{PREFIX}/annual",
        query=report_schemas.AnnualIn,
        response=report_schemas.AnnualOut,
        summary="The year's figures for the Office's annual report on this regulation (Đ20.1): "
        "tasks by unit and assigning leader, the Office's intake and confirmation, inspections "
        "and their conclusions, feedback handled",
    )
    def get_annual() -> Any:
        require_roles(principal(), *OFFICE_ROLES, LEADER)
        args = query_args(annual_query)
        with platform.database.read() as conn:
            return annual.assemble(conn, service, args["year"], platform.clock.now())

    @router.route(
        f"{PREFIX}/annual",
        "POST",
        request=report_schemas.AnnualIn,
        response=report_schemas.ReportOut,
        status=201,
        summary="Keep the year's figures as a stored report (period <year>) for the annual "
        "report to present and publish (Đ20.1)",
    )
    def post_annual() -> Any:
        caller = principal()
        require_roles(caller, *OFFICE_ROLES)
        year = json_body(annual_query)["year"]
        scope = annual.year_scope(year, platform.clock.now())
        with platform.unit_of_work() as uow:
            return stored_reports.store_report(
                uow,
                service,
                caller.to_actor(),
                caller.sub,
                str(year),
                scope.start,
                scope.end,
                extra=annual.extra,
            )

    report_routes.add_routes(router, service, principal)
    info_request_routes.add_routes(router, service, principal, _unit_for)
    document_routes.add_routes(router, service, principal)
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
