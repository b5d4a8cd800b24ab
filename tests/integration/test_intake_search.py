"""Search (`q=`) and the list filters of intake's documents and units, on SQLite
(docs/contracts.md, Search)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import update

from services.intake.search import terms
from services.intake.store import tasks
from shared.text import fold
from tests.integration.intakekit import document, post, token


def task(lead: str, *coordinating: str, due_on: str = "2026-12-31") -> dict[str, Any]:
    return {
        "content": f"Nhiệm vụ của {lead}",
        "lead_unit": lead,
        "coordinating_units": list(coordinating),
        "due_on": due_on,
        "cadence": None,
    }


def listing(client: Any, query: str, role: str = "office") -> dict[str, Any]:
    answer = client.get(f"/api/intake/documents?{query}", headers=token(role))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def summaries(page: dict[str, Any]) -> set[str]:
    return {item["summary"] for item in page["items"]}


@pytest.mark.parametrize(
    ("one", "other"),
    [("Hoá", "Hóa"), ("Thuỷ", "Thủy"), ("HOÁ", "hóa"), ("Quyết định", "quyet dinh")],
)
def test_tone_placement_variants_and_case_fold_alike(one: str, other: str) -> None:
    # Old-style "oá"/"uỷ" and new-style "óa"/"ủy" put the tone on different letters; NFD
    # decomposition separates the tone mark from either letter, so both fold the same.
    assert fold(one) == fold(other)


def test_d_with_stroke_folds_to_d_and_queries_split_into_words() -> None:
    assert fold("Đồng") == fold("đồng") == "dong"
    assert terms("  Hoằng   Quỳ ") == ["hoang", "quy"]


@pytest.fixture()
def filed(intake: Any) -> Any:
    """Five documents to search and filter, in a known order of receipt."""
    bodies = [
        document(
            number="12/2026/QĐ-UBND",
            type="quyet_dinh",
            summary="Quyết định phê duyệt quy hoạch vùng Đồng Lương",
            issued_on="2026-03-10",
            tasks=[task("SO_XD", "14812")],
        ),
        document(
            number="25/2026/CT-UBND",
            summary="Chỉ thị về phòng chống bão lũ ở Thanh Hoá",
            issued_on="2026-06-01",
            tasks=[task("SO_NNMT")],
        ),
        document(
            number="40/UBND-VX",
            type="cong_van",
            assigned_by="pho_chu_tich",
            signer={"name": "Lê Đức Giang", "position": "Phó Chủ tịch"},
            summary="Về tăng cường quản lý đất đai tại Cẩm Thủy",
            issued_on="2026-09-15",
            tasks=[task("SO_TC", "SO_XD")],
        ),
        document(
            number="41/UBND-KT",
            type="cong_van",
            assigned_by="ubnd_tinh",
            summary="Về báo cáo 100% kinh phí_sự nghiệp",
            issued_on="2026-11-20",
            tasks=[task("SO_TC")],
        ),
        document(
            number="7/KH-UBND",
            type="ke_hoach",
            summary="Kế hoạch chuyển đổi số năm 2026",
            issued_on="2026-11-27",
            release=True,
            tasks=[task("SO_KHCN")],
        ),
    ]
    for body in bodies:
        answer = post(intake.test_client, body)
        assert answer.status_code == 201, answer.get_json()
    return intake


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("quyet dinh", {"Quyết định phê duyệt quy hoạch vùng Đồng Lương"}),
        ("QUYẾT ĐỊNH", {"Quyết định phê duyệt quy hoạch vùng Đồng Lương"}),
        ("dong luong", {"Quyết định phê duyệt quy hoạch vùng Đồng Lương"}),
        ("Thanh Hóa", {"Chỉ thị về phòng chống bão lũ ở Thanh Hoá"}),
        ("cam thuy", {"Về tăng cường quản lý đất đai tại Cẩm Thủy"}),
        ("Cẩm Thuỷ", {"Về tăng cường quản lý đất đai tại Cẩm Thủy"}),
        # Each word anywhere, in any order.
        ("luong dong", {"Quyết định phê duyệt quy hoạch vùng Đồng Lương"}),
        # The number is searchable too.
        ("40/ubnd-vx", {"Về tăng cường quản lý đất đai tại Cẩm Thủy"}),
        # LIKE's wildcards are plain characters in a query.
        ("100%", {"Về báo cáo 100% kinh phí_sự nghiệp"}),
        ("phi_su", {"Về báo cáo 100% kinh phí_sự nghiệp"}),
        ("%", {"Về báo cáo 100% kinh phí_sự nghiệp"}),
        ("_", {"Về báo cáo 100% kinh phí_sự nghiệp"}),
        ("khong co dau", set()),
    ],
)
def test_document_search_ignores_diacritics_case_and_word_order(
    filed: Any, q: str, expected: set[str]
) -> None:
    page = listing(filed.test_client, urlencode({"q": q}))
    assert summaries(page) == expected
    assert page["total"] == len(expected)


def test_documents_filter_by_type_status_leader_and_period(filed: Any) -> None:
    client = filed.test_client
    assert listing(client, "type=cong_van")["total"] == 2
    assert summaries(listing(client, "status=released")) == {"Kế hoạch chuyển đổi số năm 2026"}
    assert listing(client, "status=received")["total"] == 4
    assert summaries(listing(client, "assigned_by=pho_chu_tich")) == {
        "Về tăng cường quản lý đất đai tại Cẩm Thủy"
    }
    assert listing(client, "assigned_by=chu_tich")["total"] == 3
    period = listing(client, "issued_from=2026-06-01&issued_to=2026-09-15")
    assert {item["issued_on"] for item in period["items"]} == {"2026-06-01", "2026-09-15"}
    assert listing(client, "issued_from=2026-11-01")["total"] == 2
    assert listing(client, "issued_to=2026-03-10")["total"] == 1


def test_documents_filter_by_a_unit_leading_or_coordinating_a_task(filed: Any) -> None:
    client = filed.test_client
    # SO_XD leads the Quyết định and coordinates the first công văn.
    assert listing(client, "unit=SO_XD")["total"] == 2
    assert summaries(listing(client, "unit=14812")) == {
        "Quyết định phê duyệt quy hoạch vùng Đồng Lương"
    }
    assert listing(client, "unit=SO_TC")["total"] == 2
    assert listing(client, "unit=SO_YT")["total"] == 0
    # A withdrawn task is no longer the unit's (Đ5.2a).
    with filed.runtime.platform.database.transaction() as conn:
        conn.execute(update(tasks).where(tasks.c.lead_unit == "SO_NNMT").values(status="withdrawn"))
    assert listing(client, "unit=SO_NNMT")["total"] == 0


def test_filters_combine_with_search_and_paginate(filed: Any) -> None:
    client = filed.test_client
    combined = listing(client, "q=ve&type=cong_van&unit=SO_XD")
    assert summaries(combined) == {"Về tăng cường quản lý đất đai tại Cẩm Thủy"}
    assert listing(client, "q=quyet dinh&type=cong_van")["total"] == 0
    first = listing(client, "limit=2&offset=0")
    second = listing(client, "limit=2&offset=2")
    third = listing(client, "limit=2&offset=4")
    assert first["total"] == second["total"] == third["total"] == 5
    seen = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert len(seen) == len(set(seen)) == 5
    paged = listing(client, "type=cong_van&limit=1&offset=1")
    assert paged["total"] == 2 and len(paged["items"]) == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("type=nghi_dinh", "type"),
        ("assigned_by=pho_giam_doc", "assigned_by"),
        ("issued_from=2026-13-01", "issued_from"),
        ("issued_from=2026-10-01&issued_to=2026-09-01", "issued_to"),
        ("status=done", "status"),
    ],
)
def test_a_bad_filter_is_a_422_naming_it(intake: Any, query: str, field: str) -> None:
    answer = intake.test_client.get(f"/api/intake/documents?{query}", headers=token("office"))
    assert answer.status_code == 422
    assert field in answer.get_json()["errors"]


@pytest.mark.parametrize(
    ("q", "wanted"),
    [
        ("dong luong", "Xã Đồng Lương"),
        ("Hóa Quỳ", "Xã Hoá Quỳ"),
        ("hoa quy", "Xã Hoá Quỳ"),
        ("cẩm thủy", "Xã Cẩm Thuỷ"),
        ("so tai chinh", "Sở Tài chính"),
        ("so_tc", "Sở Tài chính"),
    ],
)
def test_unit_search_ignores_diacritics_and_tone_placement(
    intake: Any, q: str, wanted: str
) -> None:
    answer = intake.test_client.get(
        f"/api/intake/units?{urlencode({'q': q})}", headers=token("unit_officer", "SO_TC")
    )
    assert answer.status_code == 200
    assert wanted in [unit["name"] for unit in answer.get_json()["items"]]


def test_unit_search_combines_with_kind(intake: Any) -> None:
    answer = intake.test_client.get("/api/intake/units?q=dong&kind=ward", headers=token("office"))
    items = answer.get_json()["items"]
    assert all(unit["kind"] == "ward" for unit in items)
    assert all("dong" in fold(unit["name"]) for unit in items)
    communes = intake.test_client.get(
        "/api/intake/units?q=dong&kind=commune", headers=token("office")
    ).get_json()
    assert "Xã Đồng Lương" in [unit["name"] for unit in communes["items"]]
