"""Routes for the Chairman's Working Group (Đ10.1b, Đ13.1): its decision, its members."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.workflow import working_group
from shared.auth import Principal
from shared.calendar import local_date
from shared.http import ApiRouter, json_body

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

PREFIX = "/api/workflow/working-group"


def register_routes(router: ApiRouter, service: WorkflowService) -> None:
    def principal() -> Principal:
        return service.caller()

    platform = service.runtime.platform
    decision_in, member_in, end_in = (
        working_group.DecisionIn(),
        working_group.MemberAddIn(),
        working_group.MemberEndIn(),
    )

    @router.route(
        PREFIX,
        response=working_group.WorkingGroupOut,
        summary="The Working Group (Đ13.1): the Chairman's latest decision and the earlier ones, "
        "its current members and its former ones; everyone signed in",
    )
    def get_working_group() -> Any:
        principal()
        today = local_date(platform.clock.now())
        with platform.database.read() as conn:
            return working_group.overview(conn, today)

    @router.route(
        f"{PREFIX}/decisions",
        "POST",
        request=working_group.DecisionIn,
        response=working_group.DecisionOut,
        status=201,
        summary="Record the Chairman's decision setting up the Working Group (Đ10.1b, Đ13.1): "
        "number, date, signer, its rules (text or the document's reference) and its members "
        "(exactly one leader); a member of an earlier decision it does not name stops being one; "
        "the Office only",
    )
    def post_decision() -> Any:
        caller = principal()
        working_group.require_office(caller)
        body = json_body(decision_in)
        with platform.unit_of_work() as uow:
            return working_group.record_decision(uow, caller, body), 201

    @router.route(
        f"{PREFIX}/members",
        "POST",
        request=working_group.MemberAddIn,
        response=working_group.MemberOut,
        status=201,
        summary="Add a member to the Working Group from a day; 409 before a decision is recorded "
        "or if already a member; the Office only",
    )
    def post_member() -> Any:
        caller = principal()
        working_group.require_office(caller)
        body = json_body(member_in)
        with platform.unit_of_work() as uow:
            today = local_date(uow.now)
            return working_group.add_member(uow, caller, body, today), 201

    @router.route(
        f"{PREFIX}/members/<member_id>/end",
        "POST",
        request=working_group.MemberEndIn,
        response=working_group.MemberOut,
        summary="End a membership from a day, with the reason; the Office only",
    )
    def post_member_end(member_id: str) -> Any:
        caller = principal()
        working_group.require_office(caller)
        body = json_body(end_in)
        with platform.unit_of_work() as uow:
            return working_group.end_member(uow, caller, member_id, body, local_date(uow.now))
