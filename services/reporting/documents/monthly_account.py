"""The Working Group's monthly account (Đ10.1đ) as an official document: what the Group followed,
urged and inspected in the month, presented by its leader at the People's Committee's monthly
meeting — the month's figures, its inspections, and the account as the leader edited it.

Data: `case` (the monthly_account case: `month`, `figures`, `text`), `on` (the day it was
approved; today for a draft), `signer_name` (the Working Group's leader, if known).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from services.reporting.documents.kinds import (
    Context,
    DocumentKind,
    day,
    head,
    lines,
    number,
)

ISSUER = "TỔ CÔNG TÁC CỦA CHỦ TỊCH UBND TỈNH"


def context(data: Mapping[str, Any], today: date) -> Context:
    case = data.get("case") or {}
    facts = case.get("data") or {}
    counts = facts.get("figures") or {}
    month = str(facts.get("month") or counts.get("month") or f"{today:%Y-%m}")
    text = lines(facts.get("text"))
    if text and text[0].upper().startswith("BÁO CÁO"):
        text = text[1:]  # the draft's own title line: the document has its title
    return {
        **head(
            issuer=ISSUER,
            symbol="BC-TCT",
            on=day(data, "on", today),
            summary=(
                "Kết quả theo dõi, đôn đốc, kiểm tra việc thực hiện nhiệm vụ do Ủy ban nhân dân "
                f"tỉnh, Chủ tịch Ủy ban nhân dân tỉnh giao tháng {int(month[5:7])} năm {month[:4]}"
            ),
            addressees=("Ủy ban nhân dân tỉnh",),
            recipients=(
                "- Như trên;",
                "- Chủ tịch, các Phó Chủ tịch UBND tỉnh;",
                "- Văn phòng UBND tỉnh;",
                "- Lưu: VT.",
            ),
            signer_titles=("TỔ TRƯỞNG",),
            signer_name=data.get("signer_name"),
        ),
        "figures": [
            {"label": label, "value": number(value)}
            for label, value in (
                ("Lượt đôn đốc", counts.get("urgings")),
                ("— của Văn phòng UBND tỉnh", counts.get("urgings_by_office")),
                ("— tự động khi quá hạn", counts.get("urgings_automatic")),
                ("Đơn vị được đôn đốc", len(counts.get("urged_units") or {})),
                ("Cuộc kiểm tra", len(counts.get("inspections") or [])),
                ("Việc xin ý kiến chỉ đạo", counts.get("escalations")),
                ("— đã có ý kiến chỉ đạo", counts.get("escalations_directed")),
                ("— đang chờ ý kiến chỉ đạo", counts.get("escalations_waiting")),
            )
        ],
        "inspections": [
            {
                "index": index,
                "title": item.get("title") or "",
                "status": item.get("status_label") or item.get("status") or "",
            }
            for index, item in enumerate(counts.get("inspections") or [], start=1)
        ],
        "text": text,
    }


def filename(data: Mapping[str, Any]) -> str:
    month = ((data.get("case") or {}).get("data") or {}).get("month", "thang")
    return f"bao-cao-to-cong-tac-{month}"


SAMPLE: dict[str, Any] = {
    "on": "2026-12-02",
    "signer_name": "Nguyễn Văn A",
    "case": {
        "id": "d" * 32,
        "kind": "monthly_account",
        "title": "Báo cáo của Tổ công tác tháng 11/2026",
        "data": {
            "month": "2026-11",
            "figures": {
                "month": "2026-11",
                "urgings": 42,
                "urgings_by_office": 12,
                "urgings_automatic": 30,
                "urged_units": {"SO_TC": 30, "XA_A": 12},
                "unit_names": {"SO_TC": "Sở Tài chính", "XA_A": "Xã A"},
                "inspections": [
                    {
                        "title": "Kiểm tra việc thực hiện nhiệm vụ quý IV năm 2026",
                        "status": "reported",
                        "status_label": "Đã báo cáo kết quả kiểm tra",
                    }
                ],
                "escalations": 3,
                "escalations_directed": 2,
                "escalations_waiting": 1,
            },
            "text": (
                "BÁO CÁO KẾT QUẢ THEO DÕI, ĐÔN ĐỐC, KIỂM TRA THÁNG 11/2026\n\n"
                "1. Đôn đốc: 42 lượt (Văn phòng: 12, tự động khi quá hạn: 30), tại 2 đơn vị.\n"
                "2. Kiểm tra: 1 cuộc.\n"
                "3. Xin ý kiến chỉ đạo: 3 việc; đã có ý kiến chỉ đạo 2, đang chờ 1."
            ),
        },
    },
}

KIND = DocumentKind(
    name="monthly_account",
    label="Báo cáo tháng của Tổ công tác",
    articles="Đ10.1đ",
    context=context,
    sample=SAMPLE,
    filename=filename,
)
