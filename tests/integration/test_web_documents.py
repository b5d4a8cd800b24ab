"""Documents in the web application: EDXML upload, the Office's queue with the intake deadline
(Đ6.1), adding a missing task (Đ5.2a), release (Đ5.1a), search, and the inbox and preferences."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.integration.webkit import WebSystem, api_token, running_system, sign_in
from tests.polling import wait_for

SAMPLE = Path(__file__).parent.parent / "data" / "edxml" / "qcvn102_chi_thi.xml"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    yield from running_system(Path(tmp_path_factory.mktemp("webdocs")))


@pytest.fixture()
def office(web: WebSystem) -> tuple[Any, str]:
    client = web.app().test_client()
    return client, sign_in(client, "office", "VP_UBND")


def test_an_edxml_upload_waits_in_the_queue_is_completed_and_released_D6_1_D5_2a(
    office: tuple[Any, str], web: WebSystem
) -> None:
    client, token = office
    upload = client.post(
        "/documents/upload",
        data={"csrf_token": token, "edxml": (io.BytesIO(SAMPLE.read_bytes()), "chi_thi.xml")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 303, upload.get_data(as_text=True)[:2000]
    detail_path = upload.headers["Location"]
    document_id = detail_path.rsplit("/", 1)[1]
    queue = client.get("/office").get_data(as_text=True)
    row = queue[queue.index(f"/documents/{document_id}") :][:1200]
    assert re.search(r"\d{2}/\d{2}/\d{4}", row)  # the Đ6.1 deadline, as a date
    assert "Trễ hạn" in row or "tag-late" not in row

    added = client.post(
        f"/documents/{document_id}/tasks",
        data={
            "csrf_token": token,
            "tasks-0-content": "Triển khai chỉ thị trên địa bàn",
            "tasks-0-lead_unit": "SO_NV",
            "tasks-0-schedule": "cadence",
            "tasks-0-cadence": "quarterly",
        },
    )
    assert added.status_code == 303, added.get_data(as_text=True)[:3000]
    released = client.post(f"/documents/{document_id}/release", data={"csrf_token": token})
    assert released.status_code == 303, released.get_data(as_text=True)[:3000]
    page = client.get(detail_path).get_data(as_text=True)
    assert "Đã chuyển theo dõi" in page and "Hằng quý" in page
    assert "Triển khai chỉ thị trên địa bàn" in page
    queue = client.get("/office").get_data(as_text=True)
    assert f"/documents/{document_id}" not in queue


def test_a_bad_edxml_file_is_explained(office: tuple[Any, str]) -> None:
    client, token = office
    answer = client.post(
        "/documents/upload",
        data={"csrf_token": token, "edxml": (io.BytesIO(b"<not-edxml/>"), "x.xml")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "flash-error" in answer.get_data(as_text=True)


def test_documents_are_searched_without_diacritics_and_paginated(
    office: tuple[Any, str],
) -> None:
    client, _token = office
    page = client.get("/documents?q=phong+chong+thien+tai").get_data(as_text=True)
    assert "phòng, chống thiên tai" in page
    assert "chuyển đổi số" not in page
    assert "1 văn bản." in page


def test_the_task_list_filters_by_status_and_text(office: tuple[Any, str]) -> None:
    client, _token = office
    page = client.get("/tasks?q=kinh+phi+du+phong&status=assigned").get_data(as_text=True)
    assert "Bảo đảm kinh phí dự phòng" in page
    assert "1 nhiệm vụ." in page
    assert 'value="assigned" selected' in page


def test_the_inbox_counts_unread_and_marks_read_with_htmx(web: WebSystem) -> None:
    client = web.app().test_client()
    token = sign_in(client, "unit_officer", "SO_TC")

    def unread_page() -> str | None:
        page: str = client.get("/inbox").get_data(as_text=True)
        return page if "inbox-item unread" in page else None

    inbox = wait_for(unread_page, what="an unread inbox item for SO_TC")
    assert inbox, "no inbox item for SO_TC"
    item_id = re.search(r'id="inbox-([0-9a-f-]+)"', inbox)
    assert item_id
    count = re.search(r'id="unread-count"[^>]*>(\d+)<', inbox)
    assert count
    before = int(count.group(1))
    answer = client.post(
        f"/inbox/{item_id.group(1)}/read",
        data={"csrf_token": token, "title": "t", "body": "b", "created_at": "", "task_id": ""},
        headers={"HX-Request": "true"},
    )
    fragment = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Đã đọc" in fragment
    assert "hx-swap-oob" in fragment and (str(before - 1) in fragment or before == 1)


def test_personal_email_preferences_are_saved_and_errors_shown(web: WebSystem) -> None:
    client = web.app().test_client()
    token = sign_in(client, "unit_officer", "SO_TC")
    bad = client.post("/preferences", data={"csrf_token": token, "email": "không-phải-thư"})
    assert bad.status_code == 422 and 'id="f-email-error"' in bad.get_data(as_text=True)
    good = client.post(
        "/preferences",
        data={"csrf_token": token, "email": "canbo@sotc.example", "delivery": "digest"},
    )
    assert good.status_code == 303
    page = client.get("/preferences").get_data(as_text=True)
    assert 'value="canbo@sotc.example"' in page
    assert re.search(r'value="digest"\s+checked', page)


def test_the_task_list_filters_by_leader_and_period(office: tuple[Any, str]) -> None:
    client, _token = office
    by_chairman = client.get("/tasks?assigned_by=chu_tich").get_data(as_text=True)
    assert "Bảo đảm kinh phí dự phòng" in by_chairman  # the demo's chỉ thị, the Chairman's
    assert "chuyển đổi số" not in by_chairman  # the demo's công văn, a Vice-Chairman's
    assert 'value="chu_tich" selected' in by_chairman
    before = client.get("/tasks?assigned_to=2000-01-01").get_data(as_text=True)
    assert "0 nhiệm vụ." in before
    ignored = client.get("/tasks?assigned_from=not-a-date")
    assert ignored.status_code == 200


def test_the_office_sees_what_the_document_system_was_told_D3_2(
    office: tuple[Any, str], web: WebSystem
) -> None:
    client, _token = office
    old_id = b"000.00.00.H56,2026/11/27,25/2026/CT-UBND"
    body = SAMPLE.read_bytes().replace(old_id, f"web-status-{uuid.uuid4().hex}".encode())
    answer = requests.post(
        web.base_url + "/api/intake/documents",
        data=body,
        headers={
            "Authorization": f"Bearer {api_token('qlvb', None)}",
            "Content-Type": "application/xml",
        },
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    page = client.get(f"/documents/{answer.json()['id']}").get_data(as_text=True)
    section = page[page.index('id="h-statuses"') :][:1500]
    assert "Trạng thái đã báo về Hệ thống quản lý văn bản" in section
    assert "03" in section and "Đã tiếp nhận" in section

    unit = web.app().test_client()
    sign_in(unit, "unit_head", "SO_NV")
    unit_page = unit.get(f"/documents/{answer.json()['id']}")
    assert 'id="h-statuses"' not in unit_page.get_data(as_text=True)
