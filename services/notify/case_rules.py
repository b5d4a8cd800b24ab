"""Who hears about each case event (inspections, feedback, requests, reports…), in which words:
the case kinds' part of notify's table (services/notify/domain.py, RULES)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.notify.messages import LEADERS, OFFICE_UNIT, Message, Recipient, Rule
from services.notify.messages import day as _day


def _case_parties(*roles: str) -> Callable[[dict[str, Any]], list[Recipient]]:
    """Recipients of a case event (inspection, feedback, …): `office`, `leader` (the Chairman
    and Vice-Chairmen, who have no unit: their inbox by role, and the
    leaders' mailboxes when LEADERS_EMAIL is set), or the units the case
    names under a role (its `parties`, e.g. "reporter")."""

    def recipients(data: dict[str, Any]) -> list[Recipient]:
        found: list[Recipient] = []
        for role in roles:
            if role == "leader":
                found.append(LEADERS)
                continue
            codes = [OFFICE_UNIT] if role == "office" else data.get("parties", {}).get(role, [])
            found += [Recipient("unit", code) for code in codes if code]
        return list(dict.fromkeys(found))

    return recipients


def _case(title: str, *roles: str) -> Rule:
    """A case event to the parties named by `roles`, with the case's title, note and due date."""
    recipients = _case_parties(*roles)

    def rule(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
        lines = [data.get("title") or ""]
        if data.get("note"):
            lines.append(f"Nội dung: {data['note']}")
        due = data.get("due_on")
        if due:
            lines.append(f"Hạn: {due.strftime('%d/%m/%Y')}.")
        body = "\n".join(line for line in lines if line)
        return [Message(r, title, body) for r in recipients(data)]

    return rule


def _case_invited(title: str) -> Rule:
    """An inspection's invitation (Đ14.2) to the unit it invites (`details.unit`), not to the
    units invited before."""
    everyone = _case(title, "invited")

    def rule(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
        unit = (data.get("details") or {}).get("unit")
        return [m for m in everyone(data, unit_name) if m.recipient.id == unit]

    return rule


# The most overdue tasks one message lists; the rest are counted (the case lists them all).
OVERDUE_LISTED = 100


def _overdue_summary(title: str, *roles: str) -> Rule:
    """Đ16.4: the Office's summary of overdue tasks (the event's `details`: the tasks, the counts
    by assigning leader, the Office's measures), with the leader's direction when there is one."""
    recipients = _case_parties(*roles)

    def rule(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
        summary = data.get("details") or {}
        tasks = summary.get("tasks") or []
        lines = [data.get("title") or ""]
        counts = "; ".join(
            f"{row['label']}: {row['count']}" for row in summary.get("by_assigner") or ()
        )
        if "total" in summary:
            lines.append(
                f"Số nhiệm vụ quá hạn: {summary['total']}" + (f" ({counts})." if counts else ".")
            )
        for n, task in enumerate(tasks[:OVERDUE_LISTED], start=1):
            lead = task.get("lead_unit_name") or unit_name(task.get("lead_unit") or "")
            lines.append(
                f"{n}. {task.get('document_number')}: {task.get('content')} — chủ trì: {lead}; "
                f"hạn {_day(task.get('due_on'))}, quá hạn {task.get('days_overdue')} ngày; "
                f"giao: {task.get('assigned_by_label') or ''}."
            )
        if len(tasks) > OVERDUE_LISTED:
            lines.append(f"… và {len(tasks) - OVERDUE_LISTED} nhiệm vụ khác (xem trên Hệ thống).")
        if summary.get("measures"):
            lines.append(f"Biện pháp Văn phòng kiến nghị: {summary['measures']}")
        if summary.get("direction"):
            lines.append(f"Ý kiến chỉ đạo: {summary['direction']}")
        body = "\n".join(line for line in lines if line)
        return [Message(r, title, body) for r in recipients(data)]

    return rule


CASE_RULES: dict[str, Rule] = {
    # Feedback on another unit (Đ16.6, Đ17.2, Đ17.3)
    "feedback.received": _case("Đơn vị phản hồi về đơn vị liên quan", "office"),
    "feedback.unit_urged": _case(
        "Văn phòng đôn đốc theo phản hồi của đơn vị liên quan", "responsible", "reporter"
    ),
    "feedback.escalated": _case("Văn phòng xin ý kiến chỉ đạo về phản hồi", "reporter", "leader"),
    "feedback.directed": _case("Ý kiến chỉ đạo về phản hồi", "office", "responsible", "reporter"),
    "feedback.dismissed": _case("Kết quả kiểm tra thông tin phản hồi", "reporter"),
    "feedback.due_soon": _case("Phản hồi của đơn vị sắp hết hạn xử lý", "office"),
    "feedback.overdue": _case("Phản hồi của đơn vị đã quá hạn xử lý", "office"),
    # The Working Group's monthly account (Đ10.1đ, Đ14)
    "monthly_account.drafted": _case("Dự thảo báo cáo tháng của Tổ công tác", "office"),
    "monthly_account.approved": _case(
        "Báo cáo tháng của Tổ công tác đã được duyệt", "office", "leader"
    ),
    # The Office's evaluation report (Đ8.1a, Đ16.2, Đ18.2)
    "office_report.submitted": _case(
        "Báo cáo đánh giá của Văn phòng trình lãnh đạo Văn phòng duyệt", "office"
    ),
    "office_report.returned": _case("Lãnh đạo Văn phòng trả lại báo cáo đánh giá", "office"),
    "office_report.approved": _case(
        "Báo cáo đánh giá tình hình thực hiện nhiệm vụ đã được duyệt", "office", "leader"
    ),
    "office_report.published": _case(
        "Báo cáo đánh giá tình hình thực hiện nhiệm vụ đã được công bố", "office", "leader"
    ),
    "office_report.overdue": _case("Quá hạn trình báo cáo đánh giá (Điều 18 khoản 2)", "office"),
    # The Office's annual report on this regulation (Đ20.1)
    "annual_report.submitted": _case(
        "Báo cáo năm về thực hiện Quy chế trình lãnh đạo Văn phòng duyệt", "office"
    ),
    "annual_report.returned": _case("Lãnh đạo Văn phòng trả lại báo cáo năm", "office"),
    "annual_report.approved": _case(
        "Báo cáo năm về kết quả triển khai thực hiện Quy chế đã được duyệt", "office", "leader"
    ),
    "annual_report.published": _case(
        "Báo cáo năm về kết quả triển khai thực hiện Quy chế đã được công bố", "office", "leader"
    ),
    "annual_report.overdue": _case("Quá hạn trình báo cáo năm (Điều 20 khoản 1)", "office"),
    # Commendation and discipline proposals (Đ21)
    "commendation.sent": _case(
        "Văn phòng đề nghị cho ý kiến về đề xuất khen thưởng, kỷ luật", "consulted"
    ),
    "commendation.answered": _case(
        "Sở Nội vụ đã cho ý kiến về đề xuất khen thưởng, kỷ luật", "office"
    ),
    "commendation.decided": _case(
        "Kết quả khen thưởng, kỷ luật trong thực hiện Quy chế", "office", "consulted", "leader"
    ),
    "commendation.due_soon": _case(
        "Đề xuất khen thưởng, kỷ luật sắp đến hạn cho ý kiến", "consulted"
    ),
    "commendation.overdue": _case(
        "Đề xuất khen thưởng, kỷ luật đã quá hạn cho ý kiến", "consulted", "office"
    ),
    # Ad-hoc information requests (Đ8.1d, Đ9.2, Đ16.5)
    "info_request.opened": _case("Văn phòng đề nghị cung cấp thông tin", "asked"),
    "info_request.answered": _case("Đơn vị đã trả lời đề nghị cung cấp thông tin", "office"),
    "info_request.urged": _case("Văn phòng đôn đốc trả lời đề nghị cung cấp thông tin", "asked"),
    "info_request.more_requested": _case("Văn phòng đề nghị bổ sung thông tin", "asked"),
    "info_request.closed": _case("Đề nghị cung cấp thông tin đã kết thúc", "asked"),
    "info_request.due_soon": _case("Đề nghị cung cấp thông tin sắp đến hạn trả lời", "asked"),
    "info_request.overdue": _case(
        "Đề nghị cung cấp thông tin đã quá hạn trả lời", "asked", "office"
    ),
    # Inspection (Đ10–Đ15)
    "inspection.plan_submitted": _case("Kế hoạch kiểm tra trình phê duyệt", "office"),
    "inspection.plan_returned": _case("Kế hoạch kiểm tra được trả lại để chỉnh sửa", "office"),
    "inspection.plan_approved": _case("Kế hoạch kiểm tra đã được phê duyệt", "office", "inspected"),
    "inspection.cancelled": _case("Kế hoạch kiểm tra đã bị hủy", "office"),
    "inspection.unit_invited": _case_invited("Tổ công tác mời đơn vị tham gia kiểm tra"),
    "inspection.finished": _case("Đã kết thúc kiểm tra, lập báo cáo kết quả", "office"),
    "inspection.report_due": _case("Sắp hết hạn báo cáo kết quả kiểm tra", "office"),
    "inspection.report_overdue": _case("Quá hạn báo cáo kết quả kiểm tra", "office"),
    "inspection.report_urged": _case("Đôn đốc báo cáo kết quả kiểm tra", "office"),
    "inspection.reported": _case(
        "Thông báo kết quả kiểm tra", "office", "inspected", "invited", "leader"
    ),
    "inspection.presented": _case("Đã báo cáo kết quả kiểm tra tại phiên họp UBND tỉnh", "office"),
    "inspection.documents_requested": _case(
        "Tổ công tác yêu cầu cung cấp hồ sơ, tài liệu", "asked"
    ),
    "inspection.documents_provided": _case("Đơn vị đã cung cấp hồ sơ, tài liệu", "office"),
    "inspection.documents_due_soon": _case(
        "Sắp đến hạn cung cấp hồ sơ, tài liệu cho Tổ công tác", "asked"
    ),
    "inspection.documents_overdue": _case(
        "Quá hạn cung cấp hồ sơ, tài liệu cho Tổ công tác", "asked", "office"
    ),
    # The annual inspection plan (Đ10.1a, Đ12.1, Đ13)
    "inspection_plan.drafted": _case("Dự thảo kế hoạch kiểm tra hằng năm", "office"),
    "inspection_plan.submitted": _case(
        "Kế hoạch kiểm tra hằng năm trình phê duyệt", "office", "leader"
    ),
    "inspection_plan.returned": _case("Kế hoạch kiểm tra hằng năm được trả lại", "office"),
    "inspection_plan.approved": _case(
        "Kế hoạch kiểm tra hằng năm đã được phê duyệt", "office", "leader"
    ),
    # A unit's own inspection (Đ10.2b, Đ15.1): the Office follows it; the report goes to the
    # People's Committee, the Chairman and the Office
    "unit_inspection.opened": _case("Đơn vị tự kiểm tra việc thực hiện nhiệm vụ", "office"),
    "unit_inspection.cancelled": _case("Đơn vị đã hủy cuộc tự kiểm tra", "office"),
    "unit_inspection.finished": _case(
        "Đơn vị đã kết thúc tự kiểm tra, lập báo cáo kết quả", "unit", "office"
    ),
    "unit_inspection.report_due": _case("Sắp hết hạn báo cáo kết quả tự kiểm tra", "unit"),
    "unit_inspection.report_overdue": _case(
        "Quá hạn báo cáo kết quả tự kiểm tra", "unit", "office"
    ),
    "unit_inspection.report_urged": _case("Đôn đốc báo cáo kết quả tự kiểm tra", "unit"),
    "unit_inspection.reported": _case(
        "Đơn vị báo cáo kết quả tự kiểm tra", "office", "leader", "inspected"
    ),
    # Periodic reports (Đ18): every unit before its deadline, then the Office before its own
    "periodic_report.units_reminded": _case("Đề nghị gửi báo cáo định kỳ (Điều 18)", "units"),
    "periodic_report.office_reminded": _case("Nhắc tổng hợp báo cáo định kỳ (Điều 18)", "office"),
    # A unit's periodic report (Đ18.1, Đ17.4): sent to the Office, returned or accepted
    "unit_report.submitted": _case("Đơn vị đã gửi báo cáo định kỳ (Điều 18)", "office"),
    "unit_report.returned": _case("Văn phòng trả lại báo cáo định kỳ để chỉnh sửa", "reporter"),
    "unit_report.accepted": _case("Văn phòng đã tiếp nhận báo cáo định kỳ", "reporter"),
    "unit_report.overdue": _case("Quá hạn gửi báo cáo định kỳ (Điều 18)", "reporter", "office"),
    # Correction of reported information (Đ7.1, Đ7.2b)
    "correction_request.requested": _case("Văn phòng đề nghị điều chỉnh thông tin báo cáo", "unit"),
    "correction_request.self_corrected": _case(
        "Đơn vị đã tự điều chỉnh thông tin báo cáo", "office"
    ),
    "correction_request.corrected": _case("Đơn vị đã điều chỉnh thông tin báo cáo", "office"),
    "correction_request.explained": _case(
        "Đơn vị giải trình, giữ nguyên thông tin báo cáo", "office"
    ),
    "correction_request.overdue": _case("Quá hạn điều chỉnh thông tin báo cáo", "unit", "office"),
    # Difficulties and direction (Đ8.1b, Đ8.1c, Đ17.1)
    "direction_request.reported": _case("Đơn vị báo cáo khó khăn, vướng mắc", "office"),
    "direction_request.opinions_requested": _case(
        "Văn phòng đề nghị cho ý kiến về khó khăn, vướng mắc", "consulted"
    ),
    "direction_request.opinion_given": _case("Đơn vị liên quan đã cho ý kiến", "office"),
    "direction_request.proposed": _case(
        "Văn phòng đã xin ý kiến chỉ đạo về khó khăn, vướng mắc", "reporter", "leader"
    ),
    "direction_request.directed": _case(
        "Ý kiến chỉ đạo về khó khăn, vướng mắc", "office", "reporter", "consulted"
    ),
    "direction_request.resolved": _case(
        "Văn phòng đã xử lý khó khăn, vướng mắc", "reporter", "consulted"
    ),
    # The Office's summary of overdue tasks and its proposed measures (Đ16.4)
    "overdue_summary.sent": _overdue_summary(
        "Báo cáo nhiệm vụ quá hạn, kiến nghị biện pháp đôn đốc", "leader", "office"
    ),
    "overdue_summary.directed": _overdue_summary(
        "Ý kiến chỉ đạo về nhiệm vụ quá hạn", "office", "responsible"
    ),
}
