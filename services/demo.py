"""Demo documents for `make run`: a few real-looking assignments, entered as the Office would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.intake import handlers, schemas, store
from shared.auth import Principal
from shared.calendar import local_date

OFFICE_CLERK = Principal(
    sub="demo.vanphong",
    name="Chuyên viên Văn phòng (demo)",
    unit="VP_UBND",
    roles=frozenset({"office"}),
)


def demo_documents(today: Any) -> list[dict[str, Any]]:
    return [
        {
            "source_id": "demo-qlvb-0001",
            "number": f"15/{today.year}/CT-UBND",
            "type": "chi_thi",
            "assigned_by": "chu_tich",
            "signer": {"name": "Nguyễn Văn A", "position": "Chủ tịch UBND tỉnh"},
            "issued_on": today.isoformat(),
            "urgency": "khan",
            "secrecy": None,
            "summary": "Về tăng cường công tác phòng, chống thiên tai mùa mưa bão",
            "release": True,
            "tasks": [
                {
                    "content": "Rà soát, hoàn thiện phương án ứng phó thiên tai trên địa bàn",
                    "lead_unit": "SO_NNMT",
                    "coordinating_units": ["SO_XD", "14812"],
                    "due_on": (today + timedelta(days=20)).isoformat(),
                    "cadence": None,
                },
                {
                    "content": "Bảo đảm kinh phí dự phòng cho công tác khắc phục hậu quả",
                    "lead_unit": "SO_TC",
                    "coordinating_units": [],
                    "due_on": (today + timedelta(days=10)).isoformat(),
                    "cadence": None,
                },
            ],
        },
        {
            "source_id": "demo-qlvb-0002",
            "number": "2345/UBND-VX",
            "type": "cong_van",
            "assigned_by": "pho_chu_tich",
            "signer": {"name": "Trần Thị B", "position": "Phó Chủ tịch UBND tỉnh"},
            "issued_on": today.isoformat(),
            "urgency": "thuong",
            "secrecy": None,
            "summary": "Về việc triển khai chương trình chuyển đổi số trong trường học",
            "release": True,
            "tasks": [
                {
                    "content": "Báo cáo tiến độ chuyển đổi số ngành giáo dục theo quý",
                    "lead_unit": "SO_GDDT",
                    "coordinating_units": ["SO_KHCN"],
                    "due_on": None,
                    "cadence": "quarterly",
                },
            ],
        },
    ]


def load_demo(system: Any) -> int:
    """Enter the demo documents once; returns how many were new."""
    intake = system.intake
    today = local_date(intake.runtime.clock.now())
    schema = schemas.DocumentIn()
    created = 0
    for raw in demo_documents(today):
        with intake.runtime.platform.unit_of_work() as uow:
            if store.document_by_source(uow.conn, raw["source_id"]) is not None:
                continue
            received = handlers.receive_document(
                uow, intake.runtime.calendar, OFFICE_CLERK, schema.load(raw)
            )
            created += int(received.created)
    return created
