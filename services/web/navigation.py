"""The header's grouped menus: reports and inspections, each shown to whom it concerns (a group of
one link is shown as that link)."""

from __future__ import annotations

from typing import Any

from flask import url_for

Link = tuple[str, str]  # href, text


def nav_groups(person: Any) -> list[tuple[str, list[Link]]]:
    """(label, links) of each group the signed-in person has links in."""
    office, leader, unit = person.is_office, person.is_leader, person.is_unit
    reports: list[Link] = []
    checks: list[Link] = []
    if office or leader:
        reports += [
            (url_for("reports.report_list"), "Báo cáo số liệu (Điều 18)"),
            (url_for("office_reports.report_list"), "Báo cáo đánh giá của Văn phòng"),
            (url_for("annual_reports.report_list"), "Báo cáo năm về thực hiện Quy chế"),
            (url_for("overdue_summaries.summary_list"), "Nhiệm vụ quá hạn"),
            (url_for("commendations.proposal_list"), "Khen thưởng, kỷ luật"),
        ]
        checks += [
            (url_for("working_group.group"), "Tổ công tác"),
            (url_for("working_group.plans"), "Kế hoạch kiểm tra"),
        ]
    if office:
        reports.append((url_for("document_templates.template_list"), "Mẫu văn bản"))
    if unit and not office and person.unit == "SO_NV":  # Sở Nội vụ gives its opinion (Đ21.4)
        reports.append((url_for("commendations.proposal_list"), "Khen thưởng, kỷ luật"))
    if office or unit:
        reports.append(
            (
                url_for("unit_reports.report_list"),
                "Báo cáo định kỳ của đơn vị" if office else "Báo cáo định kỳ",
            )
        )
        checks.append(
            (
                url_for("unit_inspections.inspection_list"),
                "Tự kiểm tra của đơn vị" if office else "Tự kiểm tra",
            )
        )
    return [
        (label, links) for label, links in (("Báo cáo", reports), ("Kiểm tra", checks)) if links
    ]
