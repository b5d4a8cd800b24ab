"""Inspection (Đ10–Đ15): the Office drafts a plan, regular or ad hoc (Đ12), naming the units to
inspect, what is inspected (Đ11) and the period; the Working Group's leader approves it or sends
it back (Đ13.2); the inspected units are told; while it runs the leader may invite other units
(Đ14.2) and the Working Group may ask units for documents (Đ14.3, services/workflow/
inspection_requests.py); once it ends, the report with a conclusion for every inspected unit
(Đ15.3) is due within 10 working days (Đ15.1, Đ15.2), and a late one is flagged and urged; the
leader then presents it at the People's Committee's monthly meeting (Đ10.1đ).

The diagram is bpmn/inspection.bpmn; this module says who may open an inspection and what the
schemas cannot check alone (`_check`); what a plan and a report hold is in inspection_schemas.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from services.workflow import case_store, working_group
from services.workflow.cases import CaseKind, Opening
from services.workflow.kinds.inspection_schemas import (
    FORMS,
    AssignInspectorsIn,
    InspectionFinishIn,
    InspectionInviteIn,
    InspectionPresentIn,
    InspectionReportIn,
    PlanApproveIn,
    PlanIn,
    PlanReasonIn,
    PlanReviseIn,
)
from services.workflow.units import unit_names
from shared.auth import INSPECTOR, Principal
from shared.calendar import local_date
from shared.errors import ValidationFailed

STATUSES = {
    "pending_approval": "Kế hoạch kiểm tra chờ Tổ trưởng Tổ công tác phê duyệt",
    "revising": "Kế hoạch kiểm tra được trả lại để chỉnh sửa",
    "in_progress": "Đang kiểm tra",
    "reporting": "Đã kết thúc kiểm tra, đang lập báo cáo kết quả",
    "reported": "Đã báo cáo kết quả kiểm tra",
    "presented": "Đã báo cáo kết quả tại phiên họp UBND tỉnh",
    "cancelled": "Đã hủy kế hoạch kiểm tra",
}

ACTIONS = {
    "approve": "Phê duyệt kế hoạch kiểm tra",
    "return_plan": "Trả lại kế hoạch để chỉnh sửa",
    "revise": "Chỉnh sửa và trình lại kế hoạch",
    "cancel": "Hủy kế hoạch kiểm tra",
    "invite_unit": "Mời đơn vị tham gia cùng Tổ công tác",
    "assign_inspectors": "Phân công thành viên Tổ công tác thực hiện kiểm tra",
    "finish": "Kết thúc kiểm tra",
    "submit_report": "Báo cáo kết quả kiểm tra",
    "present_report": "Báo cáo kết quả tại phiên họp UBND tỉnh",
}

EVENTS = {
    "open": "inspection.plan_submitted",
    "approve": "inspection.plan_approved",
    "return_plan": "inspection.plan_returned",
    "revise": "inspection.plan_submitted",
    "cancel": "inspection.cancelled",
    "invite_unit": "inspection.unit_invited",
    "finish": "inspection.finished",
    "submit_report": "inspection.reported",
    "present_report": "inspection.presented",
}

NOTICE_LABELS = {
    "report_due": "Nhắc Văn phòng: sắp hết hạn báo cáo kết quả kiểm tra",
    "report_overdue": "Báo Văn phòng: quá hạn báo cáo kết quả kiểm tra",
    "report_urged": "Đôn đốc báo cáo kết quả kiểm tra",
}


def _may_open(principal: Principal) -> bool:
    return principal.is_office or principal.has_role(INSPECTOR)


def _opening(
    conn: Connection, principal: Principal, body: dict[str, Any], now: datetime
) -> list[Opening]:
    units = body["units"]
    inspectors = list(body["inspectors"])
    if principal.has_role(INSPECTOR) and all(p["sub"] != principal.sub for p in inspectors):
        inspectors.append({"sub": principal.sub, "name": principal.name or principal.sub})
    # Đ13: the inspectors it names are current members of the Working Group.
    working_group.require_members(conn, inspectors, local_date(now))
    planned = {}
    if body.get("plan_id"):
        item = plan_item(conn, body["plan_id"], body["plan_item"])
        if item["unit"] not in units:
            message = f"Mục {item['no']} của kế hoạch là kiểm tra đơn vị {item['unit']}."
            raise ValidationFailed(message, {"units": [message]})
        planned = {"plan_id": body["plan_id"], "plan_item": item["no"]}
    names = unit_names(conn, units)
    return [
        Opening(
            title=body["title"],
            parties={"inspected": units, "invited": []},
            data={
                "opened_on": local_date(now).isoformat(),
                "form": body["form"],
                "units": units,
                "inspectors": inspectors,
                "scope": body["scope"],
                "period_from": body["period_from"].isoformat(),
                "period_to": body["period_to"].isoformat(),
                "basis": body.get("basis"),
                "task_ids": body["task_ids"],
                "note": body.get("note"),
                "ended_on": None,
                **planned,
            },
            group_id=body.get("plan_id"),
            note=f"{FORMS[body['form']]}: {', '.join(names[code] for code in units)}",
        )
    ]


def plan_item(conn: Connection, plan_id: str, number: int) -> dict[str, Any]:
    """Đ12.1: the item of an approved annual plan an inspection is opened from (422 otherwise)."""
    plan = case_store.CASES.get(conn, plan_id)
    if plan is None or plan["kind"] != "inspection_plan":
        raise _fail("plan_id", "Không tìm thấy kế hoạch kiểm tra.")
    if plan["status"] != "approved":
        raise _fail(
            "plan_id", "Chỉ mở cuộc kiểm tra theo kế hoạch đã được phê duyệt (Điều 12, Điều 13)."
        )
    for item in plan["data"].get("items") or []:
        if item.get("no") == number:
            return dict(item)
    raise _fail("plan_item", f"Kế hoạch không có mục số {number}.")


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, {field: [message]})


def _check(case: Mapping[str, Any], action: str, body: dict[str, Any], today: date) -> None:
    data, parties = case["data"], case["parties"]
    if action == "revise":
        start = body.get("period_from") or date.fromisoformat(data["period_from"])
        end = body.get("period_to") or date.fromisoformat(data["period_to"])
        if end < start:
            raise _fail("period_to", "Thời gian kết thúc phải sau thời gian bắt đầu.")
    elif action == "invite_unit":
        if body["unit"] in {*parties.get("inspected", ()), *parties.get("invited", ())}:
            raise _fail("unit", "Đơn vị đã là đối tượng kiểm tra hoặc đã được mời.")
    elif action == "finish":
        ended = body.get("ended_on") or today
        if ended > today or ended < date.fromisoformat(data["period_from"]):
            raise _fail(
                "ended_on",
                "Ngày kết thúc kiểm tra không được trước ngày bắt đầu kế hoạch hoặc sau hôm nay.",
            )
    elif action == "submit_report":
        named = [c["unit"] for c in body["conclusions"]]
        inspected = list(parties.get("inspected", ()))
        if len(named) != len(set(named)) or set(named) != set(inspected):
            raise _fail(
                "conclusions",
                "Báo cáo phải có đúng một kết luận cho mỗi đơn vị được kiểm tra "
                f"({', '.join(inspected)}) (Điều 15).",
            )


def _check_stored(
    conn: Connection, case: Mapping[str, Any], action: str, body: dict[str, Any], today: date
) -> None:
    """Đ13: the inspectors an approval, a revision or an assignment names are current members
    of the Working Group."""
    if body.get("inspectors"):
        working_group.require_members(conn, body["inspectors"], today)


KIND = CaseKind(
    kind="inspection",
    process_id="inspection",
    path="inspections",
    label="Kiểm tra",
    statuses=STATUSES,
    actions=ACTIONS,
    action_schemas={
        "approve": PlanApproveIn,
        "return_plan": PlanReasonIn,
        "revise": PlanReviseIn,
        "cancel": PlanReasonIn,
        "invite_unit": InspectionInviteIn,
        "assign_inspectors": AssignInspectorsIn,
        "finish": InspectionFinishIn,
        "submit_report": InspectionReportIn,
        "present_report": InspectionPresentIn,
    },
    events=EVENTS,
    open_schema=PlanIn,
    may_open=_may_open,
    opening=_opening,
    notice_labels=NOTICE_LABELS,
    note_fields=("reason", "summary", "note"),
    check=_check,
    check_stored=_check_stored,
    query_filters=("group_id",),
    unit_fields={"open": ("units",), "revise": ("units",), "invite_unit": ("unit",)},
)
