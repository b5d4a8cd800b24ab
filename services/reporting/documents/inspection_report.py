"""The report of an inspection's results (Đ15.3) as an official document: the Office's
inspection (the Working Group's, Đ15.2) or a unit's own (Đ15.1), to the People's Committee and its
Chairman — the inspection's form, scope and period, the summary, for each inspected unit the
assessment (Đ15.3a), the conclusion with the nature, level, cause and responsibility of what was
not done or done wrongly (Đ15.3b), and the recommendations (Đ15.3c).

Data: `case` (an inspection or unit_inspection case with its report), `unit_names` (code →
name), `labels` (`forms`, `scopes`, `results`: code → the regulation's wording, as the web shows
them), `issuer` (the unit's name for a unit's own inspection), `on` (the day it was reported).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from services.reporting.documents.kinds import (
    OFFICE,
    TO_THE_COMMITTEE,
    Context,
    DocumentKind,
    day,
    head,
    lines,
    vn_date,
)

SHORTCOMINGS = (
    ("nature", "Tính chất"),
    ("level", "Mức độ"),
    ("cause", "Nguyên nhân"),
    ("responsibility", "Trách nhiệm"),
)


def context(data: Mapping[str, Any], today: date) -> Context:
    case = data.get("case") or {}
    facts = case.get("data") or {}
    names = data.get("unit_names") or {}
    labels = data.get("labels") or {}
    forms, scopes, results = (labels.get(key) or {} for key in ("forms", "scopes", "results"))
    by_office = case.get("kind") != "unit_inspection"
    inspected = facts.get("units") or (case.get("parties") or {}).get("inspected") or []
    on = day(data, "on", today) if data.get("on") else day(facts, "reported_on", today)
    conclusions = [
        {
            "index": index,
            "unit": names.get(item.get("unit"), item.get("unit") or ""),
            "assessment": item.get("assessment") or "",
            "result": results.get(item.get("result"), item.get("result") or ""),
            "conclusion": item.get("conclusion") or "",
            "shortcomings": [
                f"{label}: {item[key]}" for key, label in SHORTCOMINGS if item.get(key)
            ],
            "recommendations": item.get("recommendations") or "",
        }
        for index, item in enumerate(facts.get("conclusions") or [], start=1)
    ]
    period = (
        f"từ ngày {vn_date(facts.get('period_from'))} đến ngày {vn_date(facts.get('period_to'))}"
    )
    return {
        **head(
            issuer=OFFICE if by_office else str(data.get("issuer") or ""),
            symbol="BC-VP" if by_office else "BC-",
            on=on,
            governing_body=None if by_office else "UBND TỈNH THANH HÓA",
            summary=f"Kết quả kiểm tra: {case.get('title') or ''}",
            addressees=TO_THE_COMMITTEE,
            recipients=(
                "- Như trên;",
                "- Các cơ quan, đơn vị, địa phương được kiểm tra;",
                *(() if by_office else ("- Văn phòng UBND tỉnh (để theo dõi, tổng hợp);",)),
                "- Lưu: VT.",
            ),
            signer_titles=("TỔ TRƯỞNG TỔ CÔNG TÁC",) if by_office else ("THỦ TRƯỞNG CƠ QUAN",),
        ),
        "facts": [
            f"Hình thức kiểm tra: {forms.get(facts.get('form'), facts.get('form') or '')}.",
            "Nội dung kiểm tra: "
            + "; ".join(scopes.get(s, s) for s in facts.get("scope") or [])
            + ".",
            f"Thời gian kiểm tra: {period}"
            + (f"; kết thúc ngày {vn_date(facts['ended_on'])}." if facts.get("ended_on") else "."),
            "Đơn vị được kiểm tra: " + "; ".join(names.get(u, u) for u in inspected) + ".",
        ],
        "summary_text": lines(facts.get("summary")),
        "conclusions": conclusions,
        "recommendations": lines(facts.get("recommendations"))
        or ["Không có kiến nghị khác ngoài kiến nghị đối với từng đơn vị."],
    }


def filename(data: Mapping[str, Any]) -> str:
    return f"bao-cao-ket-qua-kiem-tra-{(data.get('case') or {}).get('id', '')[:8]}"


SAMPLE: dict[str, Any] = {
    "on": "2026-11-16",
    "unit_names": {"SO_TC": "Sở Tài chính", "XA_A": "Xã A"},
    "labels": {
        "forms": {"regular": "Kiểm tra thường xuyên, định kỳ theo kế hoạch"},
        "scopes": {
            "implementation": "Việc tổ chức, triển khai và tình hình, kết quả thực hiện nhiệm vụ"
        },
        "results": {
            "done": "Đã thực hiện đúng nhiệm vụ được giao",
            "not_done": "Chưa thực hiện nhiệm vụ được giao",
        },
    },
    "case": {
        "id": "e" * 32,
        "kind": "inspection",
        "title": "Kiểm tra việc thực hiện nhiệm vụ quý IV năm 2026",
        "parties": {"inspected": ["SO_TC", "XA_A"]},
        "data": {
            "form": "regular",
            "scope": ["implementation"],
            "units": ["SO_TC", "XA_A"],
            "period_from": "2026-10-01",
            "period_to": "2026-10-31",
            "ended_on": "2026-11-02",
            "summary": "Tổ công tác đã kiểm tra 2 đơn vị, 37 nhiệm vụ.",
            "conclusions": [
                {
                    "unit": "SO_TC",
                    "assessment": "Triển khai kịp thời, cập nhật đầy đủ trên Hệ thống.",
                    "result": "done",
                    "conclusion": "Hoàn thành 20/20 nhiệm vụ.",
                },
                {
                    "unit": "XA_A",
                    "assessment": "Cập nhật chậm tình hình thực hiện.",
                    "result": "not_done",
                    "conclusion": "Còn 3 nhiệm vụ chưa thực hiện.",
                    "nature": "Chậm triển khai",
                    "level": "Trung bình",
                    "cause": "Thiếu cán bộ theo dõi",
                    "responsibility": "Chủ tịch UBND xã",
                    "recommendations": "Bố trí cán bộ theo dõi trong tháng 12.",
                },
            ],
            "recommendations": "Đề nghị Chủ tịch UBND tỉnh nhắc nhở UBND xã A.",
        },
    },
}

KIND = DocumentKind(
    name="inspection_report",
    label="Báo cáo kết quả kiểm tra",
    articles="Đ15.3",
    context=context,
    sample=SAMPLE,
    filename=filename,
)
