"""Commendation and discipline proposals (Đ21.1–4): for a period (a year or a quarter) the Office
proposes commendation for the units and officers who carried out their tasks well (Đ21.1, Đ21.2)
and review or discipline for those who did not (Đ21.3), works the lists out with Sở Nội vụ
(Đ21.4) and records what was decided for each.

One case per period, opened by the Office (`POST /api/workflow/commendations {period,
candidates}`); `candidates` are what reporting's rule proposes for the period
(`GET /api/reporting/commendation-candidates`, docs/counting.md, "Khen thưởng và kỷ luật (Đ21)"),
kept as `prefilled`. The Office may add candidates (each with a reason) or remove one the rule
proposed (with a reason, kept in `removed`), then sends the lists to Sở Nội vụ (party
`consulted`), who answers within the diagram's working days; the Office records the result per
candidate. A second opening for the period is 409, naming the first.

The diagram is bpmn/commendation.bpmn: draft → consulting → answered → decided.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import Connection, select, text

from services.workflow.case_store import cases as cases_table
from services.workflow.cases import CaseKind, Opening
from services.workflow.kinds.bodies import UNIT_CODE
from services.workflow.kinds.bodies import text as _text
from shared import dates
from shared.auth import OFFICE_ROLES, Principal
from shared.calendar import local_date
from shared.db import is_postgres
from shared.errors import Conflict, ValidationFailed

# The unit whose opinion the Office seeks (Đ21.4).
HOME_AFFAIRS = "SO_NV"

STATUSES = {
    "draft": "Văn phòng đang lập danh sách đề xuất",
    "consulting": "Đã gửi Sở Nội vụ, chờ ý kiến",
    "answered": "Sở Nội vụ đã cho ý kiến, chờ kết quả",
    "decided": "Đã có kết quả khen thưởng, kỷ luật",
}

ACTIONS = {
    "save": "Lưu danh sách đề xuất",
    "send": "Gửi Sở Nội vụ xin ý kiến",
    "answer": "Cho ý kiến về danh sách đề xuất",
    "decide": "Ghi nhận kết quả khen thưởng, kỷ luật",
}

EVENTS = {
    "send": "commendation.sent",
    "answer": "commendation.answered",
    "decide": "commendation.decided",
}

NOTICE_LABELS = {
    "due_soon": "Nhắc Sở Nội vụ: sắp đến hạn cho ý kiến",
    "overdue": "Báo Sở Nội vụ và Văn phòng: quá hạn cho ý kiến",
}

PROPOSALS = {
    "commend": "Đề xuất khen thưởng",  # Đ21.1, Đ21.2
    "review": "Đề xuất kiểm điểm, xử lý",  # Đ21.3
}

SUBJECTS = {"unit": "Tập thể (đơn vị)", "officer": "Cá nhân"}

RESULTS = {
    "commend": "Khen thưởng",
    "criticize": "Phê bình",
    "discipline": "Kỷ luật",
    "none": "Không",
}

_PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")
_LOCK_KEY = 2104  # PostgreSQL advisory lock: one opening of a period's proposals at a time
_MANY = validate.Length(max=2000)
_KEY = validate.Length(min=1, max=300)


class Candidate(Schema):
    """A unit or an officer proposed, with the figures the rule read (docs/counting.md)."""

    key = fields.String(required=True, validate=_KEY)  # "unit:SO_TC" or "officer:<sub>"
    subject = fields.String(
        required=True, validate=validate.OneOf(sorted(SUBJECTS)), metadata={"enum_labels": SUBJECTS}
    )
    unit = fields.String(required=True, validate=UNIT_CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    sub = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    proposal = fields.String(
        required=True,
        validate=validate.OneOf(sorted(PROPOSALS)),
        metadata={"enum_labels": PROPOSALS},
    )
    origin = fields.String(load_default="office", validate=validate.OneOf(("rule", "office")))
    reason = _text(required=False, maximum=2000)
    figures = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        values=fields.Integer(validate=validate.Range(min=0, max=1_000_000)),
        load_default=dict,
    )

    @validates_schema
    def _officer_named(self, data: dict[str, Any], **_: Any) -> None:
        if data["subject"] == "officer" and not data.get("sub"):
            raise ValidationError("Cần cho biết cán bộ được đề xuất.", "sub")


class Removed(Schema):
    """A candidate of the rule the Office takes off the lists, and why."""

    key = fields.String(required=True, validate=_KEY)
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    reason = _text(maximum=2000)


class CommendationOpenIn(Schema):
    """Đ21.4: the period, and reporting's candidates for it (docs/counting.md)."""

    period = fields.String(required=True, validate=validate.Regexp(_PERIOD.pattern))
    candidates = fields.List(fields.Nested(Candidate), load_default=list, validate=_MANY)


class CommendationDraftIn(Schema):
    """The lists as the Office edits them; left out, the case keeps its own."""

    candidates = fields.List(fields.Nested(Candidate), validate=_MANY)
    removed = fields.List(fields.Nested(Removed), validate=_MANY)
    note = _text(required=False)


class CommendationAnswerIn(Schema):
    """Đ21.4: Sở Nội vụ's opinion on the lists."""

    opinion = _text()


class Result(Schema):
    key = fields.String(required=True, validate=_KEY)
    result = fields.String(
        required=True, validate=validate.OneOf(sorted(RESULTS)), metadata={"enum_labels": RESULTS}
    )
    note = _text(required=False, maximum=2000)


class CommendationDecideIn(Schema):
    """What was decided for each candidate, and the decision's number if there is one."""

    results = fields.List(fields.Nested(Result), required=True, validate=_MANY)
    decision_number = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=60)
    )
    note = _text(required=False)


def period_bounds(key: str) -> tuple[date, date] | None:
    """The first and last day of a period named `2026` or `2026-Q3`."""
    match = _PERIOD.match(key)
    if match is None or not dates.FIRST_YEAR <= int(match[1]) <= dates.LAST_YEAR:
        return None
    year = int(match[1])
    if match[2] is None:
        return date(year, 1, 1), date(year, 12, 31)
    quarter = int(match[2])
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def period_label(key: str) -> str:
    match = _PERIOD.match(key)
    if match is None:
        return key
    return f"năm {match[1]}" if match[2] is None else f"quý {match[2]} năm {match[1]}"


def _may_open(principal: Principal) -> bool:
    return principal.has_role(*OFFICE_ROLES)


def _group(period: str) -> str:
    return f"d21-{period}"


def _opening(
    conn: Connection, principal: Principal, body: dict[str, Any], now: datetime
) -> list[Opening]:
    bounds = period_bounds(body["period"])
    if bounds is None or bounds[0] > local_date(now):
        raise ValidationFailed(
            "Kỳ đề xuất phải là một năm hoặc một quý đã bắt đầu.",
            {"period": ["Kỳ không hợp lệ hoặc chưa bắt đầu (ví dụ 2026 hoặc 2026-Q4)."]},
        )
    _check_lists(body["candidates"], [], body["candidates"])
    if is_postgres(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    query = select(cases_table.c.case_id).where(
        cases_table.c.kind == KIND.kind, cases_table.c.group_id == _group(body["period"])
    )
    found = conn.execute(query).scalar()
    if found is not None:
        raise Conflict("Văn phòng đã lập đề xuất khen thưởng, kỷ luật cho kỳ này.", case_id=found)
    label = period_label(body["period"])
    candidates = [{**c, "origin": "rule"} for c in body["candidates"]]
    return [
        Opening(
            title=f"Đề xuất khen thưởng, kỷ luật trong thực hiện Quy chế {label}",
            parties={"consulted": [HOME_AFFAIRS]},
            data={
                "period": body["period"],
                "period_label": label,
                "opened_on": local_date(now).isoformat(),
                "prefilled": candidates,
                "candidates": candidates,
                "removed": [],
            },
            group_id=_group(body["period"]),
            note=f"Lập đề xuất khen thưởng, kỷ luật {label} (Điều 21 khoản 4)",
        )
    ]


def _check_lists(
    candidates: list[dict[str, Any]], removed: list[dict[str, Any]], prefilled: list[dict[str, Any]]
) -> None:
    """Each candidate once; one the Office adds has a reason; one of the rule's it drops is
    listed in `removed` with its reason."""
    errors: dict[str, Any] = {}
    seen: set[str] = set()
    listed: dict[int, dict[str, list[str]]] = {}
    rule_keys = {c["key"] for c in prefilled}
    for index, item in enumerate(candidates):
        if item["key"] in seen:
            listed[index] = {"key": ["Đối tượng này đã có trong danh sách."]}
        seen.add(item["key"])
        if item["key"] not in rule_keys and not (item.get("reason") or "").strip():
            listed[index] = {"reason": ["Cần nêu lý do đề xuất thêm đối tượng này."]}
    if listed:
        errors["candidates"] = listed
    dropped = rule_keys - seen - {r["key"] for r in removed}
    if dropped:
        errors["removed"] = [
            "Cần nêu lý do bỏ khỏi danh sách: "
            + ", ".join(c["name"] for c in prefilled if c["key"] in dropped)
        ]
    if errors:
        raise ValidationFailed("Danh sách đề xuất chưa hợp lệ (Điều 21).", errors)


def _check(case: Mapping[str, Any], action: str, body: dict[str, Any], today: date) -> None:
    data = case.get("data") or {}
    if action in ("save", "send"):
        candidates = body.get("candidates", data.get("candidates") or [])
        removed = body.get("removed", data.get("removed") or [])
        _check_lists(candidates, removed, data.get("prefilled") or [])
        rule_keys = {c["key"] for c in data.get("prefilled") or []}
        for item in candidates:
            item["origin"] = "rule" if item["key"] in rule_keys else "office"
    if action == "decide":
        keys = [c["key"] for c in data.get("candidates") or []]
        given = [r["key"] for r in body["results"]]
        unknown = sorted(set(given) - set(keys))
        missing = [c["name"] for c in data.get("candidates") or [] if c["key"] not in given]
        if unknown or missing or len(given) != len(set(given)):
            raise ValidationFailed(
                "Cần ghi nhận kết quả cho từng đối tượng trong danh sách, mỗi đối tượng một lần.",
                {
                    "results": [
                        *(f"Chưa có kết quả: {name}" for name in missing),
                        *(f"Không có trong danh sách: {key}" for key in unknown),
                    ]
                    or ["Mỗi đối tượng chỉ một kết quả."]
                },
            )


KIND = CaseKind(
    kind="commendation",
    process_id="commendation",
    path="commendations",
    label="Đề xuất khen thưởng, kỷ luật",
    statuses=STATUSES,
    actions=ACTIONS,
    action_schemas={
        "save": CommendationDraftIn,
        "send": CommendationDraftIn,
        "answer": CommendationAnswerIn,
        "decide": CommendationDecideIn,
    },
    events=EVENTS,
    open_schema=CommendationOpenIn,
    may_open=_may_open,
    opening=_opening,
    notice_labels=NOTICE_LABELS,
    query_filters=("group_id",),
    note_fields=("opinion", "note", "decision_number"),
    check=_check,
)
