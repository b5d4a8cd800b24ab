"""The department's sectors page (`/sectors`, Đ8.2a) against a real embedded system: the Office
records the sectors a department manages; the department head reads the figures and the tasks of
the communes in them, and urges one from the task's page; a department managing no sector is
told so."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.webkit import WebSystem, csrf_of, running_system, sign_in
from tests.polling import wait_for

OFFICE = ("office", "VP_UBND")
DEPARTMENT = ("unit_head", "SO_NNMT")
COMMUNE = ("unit_officer", "14812")
CONTENT = f"Kiểm tra phòng chống dịch bệnh gia súc {uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    yield from running_system(Path(tmp_path_factory.mktemp("sectors")))


def call(web: WebSystem, method: str, path: str, who: tuple[str, str], body: Any = None) -> Any:
    answer = web.api(method, path, *who, json=body)
    assert answer.status_code < 300, answer.text
    return answer.json()


@pytest.fixture(scope="module")
def task_id(web: WebSystem) -> str:
    call(web, "PATCH", "/api/intake/units/SO_NNMT", OFFICE, {"sectors": ["nong_nghiep"]})
    today = str(call(web, "GET", "/api/admin/clock", OFFICE)["now"])[:10]
    body = {
        "source_id": f"sector-{uuid.uuid4().hex[:8]}",
        "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-NN",
        "type": "cong_van",
        "assigned_by": "chu_tich",
        "signer": {"name": "Nguyễn Văn A", "position": "Chủ tịch UBND tỉnh"},
        "issued_on": today,
        "urgency": "thuong",
        "secrecy": None,
        "summary": "Về phòng chống dịch bệnh",
        "release": True,
        "tasks": [
            {
                "content": CONTENT,
                "lead_unit": COMMUNE[1],
                "coordinating_units": [],
                "due_on": f"{today[:4]}-12-31",
                "cadence": None,
                "sector": "nong_nghiep",
            }
        ],
    }
    made = call(web, "POST", "/api/intake/documents", OFFICE, body)
    found = made["tasks"][0]["id"]
    path = f"/api/workflow/tasks/{found}"
    wait_for(lambda: web.api("GET", path, *OFFICE).status_code == 200, what="the task")
    call(web, "POST", f"{path}/actions/accept", COMMUNE)
    wait_for(
        lambda: web.api("GET", path, *DEPARTMENT).status_code == 200,
        what="the department's sectors in the workflow's directory",
    )
    year = today[:4]
    stats = f"/api/reporting/stats?period={year}&sector=nong_nghiep"
    wait_for(
        lambda: web.api("GET", stats, *DEPARTMENT).json().get("totals", {}).get("total") == 1,
        what="the task in reporting's figures of the sector",
    )
    return str(found)


def test_a_department_head_follows_and_urges_the_tasks_of_its_sector_D8_2a(
    web: WebSystem, task_id: str
) -> None:
    client = web.app().test_client()
    token = sign_in(client, *DEPARTMENT)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'id="to-sectors"' in dashboard

    answer = client.get("/sectors")

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page[:2000]
    assert "Lĩnh vực quản lý: Nông nghiệp" in page
    assert CONTENT in page and f"/tasks/{task_id}" in page
    units = call(web, "GET", f"/api/intake/units?q={COMMUNE[1]}", OFFICE)["items"]
    commune_name = next(u["name"] for u in units if u["code"] == COMMUNE[1])
    figures = page[page.find('id="sector-figures"') :]
    assert 'id="sector-figures"' in page and commune_name in figures  # the commune by name
    detail = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Đôn đốc (sở quản lý ngành, lĩnh vực)" in detail
    assert 'id="task-sector">Nông nghiệp' in detail
    urged = client.post(
        f"/tasks/{task_id}/actions/urge_in_sector",
        data={"csrf_token": token, "note": "Đề nghị báo cáo kết quả tiêm phòng"},
    )
    assert urged.status_code == 303, urged.get_data(as_text=True)[:2000]
    history = call(web, "GET", f"/api/workflow/tasks/{task_id}", OFFICE)["history"]
    assert history[-1]["action"] == "urge_in_sector"
    assert history[-1]["actor"]["unit"] == "SO_NNMT"


def test_a_department_managing_no_sector_is_told_so_D8_2a(web: WebSystem, task_id: str) -> None:
    client = web.app().test_client()
    sign_in(client, "unit_head", "SO_YT")
    page = client.get("/sectors").get_data(as_text=True)
    assert 'id="no-sectors"' in page and CONTENT not in page


def test_changing_the_period_keeps_the_chosen_sector_D8_2a(web: WebSystem) -> None:
    call(web, "PATCH", "/api/intake/units/SO_XD", OFFICE, {"sectors": ["xay_dung", "cong_thuong"]})
    client = web.app().test_client()
    sign_in(client, "unit_head", "SO_XD")
    wait_for(
        lambda: "Công Thương" in client.get("/sectors").get_data(as_text=True),
        what="the department's sectors in the web's view",
    )

    page = client.get("/sectors?sector=cong_thuong&period=2026-Q1").get_data(as_text=True)

    assert "Lĩnh vực quản lý: Công Thương" in page
    picker = page[page.find('aria-label="Chọn kỳ"') :]
    picker = picker[: picker.find("</form>")]
    assert '<input type="hidden" name="sector" value="cong_thuong">' in picker
    other = page[page.find('id="sector-tabs"') :]
    assert "sector=xay_dung" in other[: other.find("</nav>")] and "period=2026-Q1" in other


def test_the_office_enters_a_documents_sector_and_its_tasks_take_it_D8_2a(
    web: WebSystem,
) -> None:
    client = web.app().test_client()
    sign_in(client, *OFFICE)
    form = client.get("/documents/new").get_data(as_text=True)
    assert 'name="sector"' in form and "Nông nghiệp và phát triển nông thôn" in form
    content = f"Rà soát diện tích lúa bị ngập {uuid.uuid4().hex[:6]}"
    answer = client.post(
        "/documents/new",
        data={
            "csrf_token": csrf_of(form),
            "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-NN",
            "type": "cong_van",
            "assigned_by": "ubnd_tinh",
            "signer-name": "Lê Văn C",
            "signer-position": "Chủ tịch",
            "issued_on": "2026-12-01",
            "urgency": "thuong",
            "sector": "nong_nghiep",
            "summary": "Về khắc phục hậu quả mưa lũ",
            "idempotency_key": uuid.uuid4().hex,
            "tasks-0-content": content,
            "tasks-0-lead_unit": COMMUNE[1],
            "tasks-0-schedule": "due",
            "tasks-0-due_on": "2027-01-31",
            "op": "save",
        },
    )
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:2000]
    found = call(web, "GET", "/api/intake/documents?q=khac phuc hau qua mua lu&limit=50", OFFICE)[
        "items"
    ]
    (document,) = [d for d in found if d["summary"] == "Về khắc phục hậu quả mưa lũ"]
    detail = call(web, "GET", f"/api/intake/documents/{document['id']}", OFFICE)
    assert [t["sector"] for t in detail["tasks"] if t["content"] == content] == ["nong_nghiep"]
