"""The Office's summaries of overdue tasks on the web pages (Đ16.4), against a real embedded
system: the Office opens one, sends it with its measures from the summary's page, a leader gives
a direction there; units see neither the list nor the forms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_web_pages import document
from tests.integration.webkit import WebSystem, running_system, sign_in
from tests.polling import wait_for

OFFICE = ("office", "VP_UBND")
CASE_PAGE = re.compile(r"/cases/overdue_summary/([0-9a-f]{32})$")


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    yield from running_system(Path(tmp_path_factory.mktemp("weboverdue")))


def overdue_task(web: WebSystem) -> str:
    """A task of a document issued on 1 December 2026 whose due date, 3 December, has passed."""
    created = document(web, "Báo cáo tiến độ giải phóng mặt bằng", due_on="2026-12-03")
    task_id: str = created["tasks"][0]["id"]
    wait_for(
        lambda: web.api("GET", f"/api/workflow/tasks/{task_id}", *OFFICE).status_code == 200,
        what=f"task {task_id} in the workflow",
    )
    return task_id


def test_the_office_sends_the_overdue_summary_and_a_leader_directs_from_its_page_D16_4(
    web: WebSystem,
) -> None:
    overdue_task(web)
    office = web.app().test_client()
    token = sign_in(office, *OFFICE)
    listing = office.get("/overdue-summaries").get_data(as_text=True)
    assert "Lập báo cáo nhiệm vụ quá hạn hôm nay" in listing
    opened = office.post("/overdue-summaries", data={"csrf_token": token})
    assert opened.status_code == 303, opened.get_data(as_text=True)[:2000]
    found = CASE_PAGE.search(opened.headers["Location"])
    assert found, opened.headers["Location"]
    page_url = f"/cases/overdue_summary/{found.group(1)}"
    page = office.get(page_url).get_data(as_text=True)
    assert "Báo cáo tiến độ giải phóng mặt bằng" in page and "03/12/2026" in page
    assert 'data-action="send"' in page and 'data-action="give_direction"' not in page
    assert f'href="{page_url}"' in office.get("/office").get_data(as_text=True)  # its queue

    empty = office.post(f"{page_url}/send", data={"csrf_token": token, "measures": ""})
    assert empty.status_code == 303
    assert "Hãy nhập biện pháp kiến nghị." in office.get(page_url).get_data(as_text=True)
    measures = "Đề nghị Chủ tịch UBND tỉnh phê bình Sở Tài chính"
    sent = office.post(f"{page_url}/send", data={"csrf_token": token, "measures": measures})
    assert sent.status_code == 303
    page = office.get(page_url).get_data(as_text=True)
    assert "Đã báo cáo lãnh đạo UBND tỉnh." in page and measures in page
    assert 'data-action="send"' not in page
    assert f'href="{page_url}"' not in office.get("/office").get_data(as_text=True)

    unit = web.app().test_client()
    sign_in(unit, "unit_officer", "SO_YT")
    assert unit.get("/overdue-summaries").status_code == 403

    leader = web.app().test_client()
    leader_token = sign_in(leader, "leader", "VP_UBND")
    assert "Nhiệm vụ quá hạn" in leader.get("/overdue-summaries").get_data(as_text=True)
    page = leader.get(page_url).get_data(as_text=True)
    assert 'data-action="give_direction"' in page
    direction = "Sở Tài chính hoàn thành trước ngày 15/12/2026"
    answer = leader.post(
        f"{page_url}/give_direction", data={"csrf_token": leader_token, "direction": direction}
    )
    assert answer.status_code == 303
    page = leader.get(page_url).get_data(as_text=True)
    assert "Đã có ý kiến chỉ đạo" in page and direction in page
    assert 'data-action="give_direction"' not in page
