"""The Office's commendation and discipline proposals on the web pages (Đ21), against a real
embedded system: the Office opens the period's proposals on reporting's candidates, adds a unit
with its reason and sends the lists to Sở Nội vụ, whose officer answers from the same page; the
Office records the results; other units see neither the list nor the forms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_web_pages import released_task
from tests.integration.webkit import WebSystem, running_system, sign_in

OFFICE = ("office", "VP_UBND")
CASE_PAGE = re.compile(r"/cases/commendation/([0-9a-f]{32})$")


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    yield from running_system(Path(tmp_path_factory.mktemp("webcommend")))


def test_the_office_proposes_so_noi_vu_answers_and_the_result_is_recorded_D21_4(
    web: WebSystem,
) -> None:
    office = web.app().test_client()
    token = sign_in(office, *OFFICE)
    assert "Lập đề xuất cho kỳ" in office.get("/commendations").get_data(as_text=True)
    opened = office.post("/commendations", data={"csrf_token": token, "period": "2026"})
    assert opened.status_code == 303, opened.get_data(as_text=True)[:2000]
    found = CASE_PAGE.search(opened.headers["Location"])
    assert found, opened.headers["Location"]
    page_url = f"/cases/commendation/{found.group(1)}"
    page = office.get(page_url).get_data(as_text=True)
    assert "Danh sách đề xuất năm 2026" in page and 'data-action="send"' in page

    added = {"csrf_token": token, "subject": "unit", "unit": "SO_TC", "proposal": "commend"}
    office.post(f"{page_url}/add", data={**added, "reason": ""})
    assert "Cần nêu lý do đề xuất thêm" in office.get(page_url).get_data(as_text=True)
    reason = "Hoàn thành sớm các nhiệm vụ trọng tâm về giải ngân"
    assert office.post(f"{page_url}/add", data={**added, "reason": reason}).status_code == 303
    page = office.get(page_url).get_data(as_text=True)
    assert "Đã thêm đối tượng vào danh sách." in page and reason in page
    assert "Sở Tài chính" in page and "Văn phòng thêm" in page
    other = {**added, "unit": "SO_XD", "reason": "Đề xuất thử"}
    assert office.post(f"{page_url}/add", data=other).status_code == 303
    removal = {"csrf_token": token, "key": "unit:SO_XD", "row": "1", "reason-1": "Nhầm đơn vị"}
    assert office.post(f"{page_url}/remove", data=removal).status_code == 303
    page = office.get(page_url).get_data(as_text=True)
    assert "Đã bỏ đối tượng khỏi danh sách." in page and "Đề xuất thử" not in page
    assert office.post(f"{page_url}/send", data={"csrf_token": token}).status_code == 303
    assert "Đã gửi Sở Nội vụ xin ý kiến." in office.get(page_url).get_data(as_text=True)

    stranger = web.app().test_client()
    sign_in(stranger, "unit_officer", "SO_YT")
    assert stranger.get("/commendations").status_code == 403

    home_affairs = web.app().test_client()
    nv_token = sign_in(home_affairs, "unit_officer", "SO_NV")
    assert page_url in home_affairs.get("/commendations").get_data(as_text=True)
    page = home_affairs.get(page_url).get_data(as_text=True)
    assert 'data-action="answer"' in page and 'data-action="decide"' not in page
    opinion = "Sở Nội vụ thống nhất đề xuất khen thưởng Sở Tài chính"
    answered = home_affairs.post(
        f"{page_url}/answer", data={"csrf_token": nv_token, "opinion": opinion}
    )
    assert answered.status_code == 303

    page = office.get(page_url).get_data(as_text=True)
    assert opinion in page and 'data-action="decide"' in page
    decided = office.post(
        f"{page_url}/decide",
        data={"csrf_token": token, "result-0": "commend", "decision_number": "125/QĐ-UBND"},
    )
    assert decided.status_code == 303
    page = office.get(page_url).get_data(as_text=True)
    assert "Đã ghi nhận kết quả khen thưởng, kỷ luật." in page
    assert "Đã có kết quả khen thưởng, kỷ luật" in page and "125/QĐ-UBND" in page


def test_the_unit_head_names_the_officer_responsible_on_the_task_page_D21_2(
    web: WebSystem,
) -> None:
    task_id = released_task(web, "Rà soát hồ sơ đất đai tồn đọng")
    head = web.app().test_client()
    token = sign_in(head, "unit_head", "SO_TC")
    page = head.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Đơn vị chủ trì (chưa phân công cán bộ)" in page
    assert 'data-action="assign_officer"' in page
    officer = {"officer_name": "Lê Văn Cường", "officer_sub": "cuong@SO_TC"}
    named = head.post(
        f"/tasks/{task_id}/actions/assign_officer", data={"csrf_token": token, **officer}
    )
    assert named.status_code == 303, named.get_data(as_text=True)[:3000]
    officer_client = web.app().test_client()
    sign_in(officer_client, "unit_officer", "SO_TC")
    page = officer_client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Lê Văn Cường" in page
    assert 'data-action="assign_officer"' not in page  # only the unit's head names one
