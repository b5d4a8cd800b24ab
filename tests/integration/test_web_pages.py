"""The web application against a real embedded system: sign-in, CSRF, session expiry, the
API's answers on the pages (409, field errors), escaping, and the rules the pages follow."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from services.web.app import create_app
from services.web.config import WebConfigError
from services.web.session import EXPIRES_KEY
from tests.integration.webkit import (
    WebSystem,
    csrf_of,
    free_port,
    running_system,
    sign_in,
)
from tests.polling import wait_for

OFFICE = ("office", "VP_UBND")
UNIT_A = ("unit_officer", "SO_TC")
UNIT_B = ("unit_officer", "SO_XD")


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    yield from running_system(Path(tmp_path_factory.mktemp("web")))


@pytest.fixture()
def client(web: WebSystem) -> Any:
    return web.app().test_client()


def document(web: WebSystem, content: str, lead: str = "SO_TC", **task: Any) -> dict[str, Any]:
    body = {
        "source_id": f"web-test-{uuid.uuid4().hex[:8]}",
        "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-KTTC",
        "type": "cong_van",
        "assigned_by": "pho_chu_tich",
        "signer": {"name": "Lê Văn C", "position": "Phó Chủ tịch UBND tỉnh"},
        "issued_on": "2026-12-01",
        "urgency": "thuong",
        "secrecy": None,
        "summary": "Về rà soát vốn đầu tư công",
        "release": True,
        "tasks": [
            {
                "content": content,
                "lead_unit": lead,
                "coordinating_units": [],
                "due_on": "2027-03-31",
                "cadence": None,
                **task,
            }
        ],
    }
    answer = web.api("POST", "/api/intake/documents", *OFFICE, json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def released_task(web: WebSystem, content: str, lead: str = "SO_TC") -> str:
    task_id: str = document(web, content, lead)["tasks"][0]["id"]
    wait_for(
        lambda: web.api("GET", f"/api/workflow/tasks/{task_id}", *OFFICE).status_code == 200,
        what=f"task {task_id} in the workflow",
    )
    return task_id


def test_dev_login_form_has_role_unit_and_submit_and_signs_in(client: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'name="role"' in page and 'name="unit"' in page and 'type="submit"' in page
    assert 'value="SO_TC"' in page and "data-search=" in page  # the units, searchable
    assert client.get("/tasks").headers["Location"].startswith("/login")
    sign_in(client, *OFFICE)
    assert client.get("/").headers["Location"].endswith("/office")
    office = client.get("/office")
    assert office.status_code == 200
    assert "Việc cần xử lý của Văn phòng" in office.get_data(as_text=True)


def test_a_unit_officer_lands_on_the_unit_home(client: Any) -> None:
    sign_in(client, *UNIT_A)
    assert client.get("/").headers["Location"].endswith("/unit")
    assert "Nhiệm vụ chờ tiếp nhận" in client.get("/unit").get_data(as_text=True)


def test_dev_login_does_not_exist_in_production(web: WebSystem) -> None:
    env = {
        "NHIEMVU_ENV": "production",
        "WEB_SECRET_KEY": "a-production-secret-for-the-web-0123456789",
        "JWT_SECRET": "a-production-jwt-secret-0123456789-0123456789",
        "WEB_API_URL": web.base_url,
    }
    # Without an OpenID provider nobody could sign in: the web refuses to start.
    with pytest.raises(WebConfigError, match="OIDC_ISSUER"):
        create_app(env)
    closed = f"http://127.0.0.1:{free_port()}"
    app = create_app({**env, "OIDC_ISSUER": closed, "OIDC_CLIENT_ID": "nhiemvu-web"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    login = app.test_client().get("/login")
    assert 'name="role"' not in login.get_data(as_text=True)  # the OpenID flow, not the form
    assert login.status_code != 200


def test_a_post_without_the_csrf_token_is_refused(client: Any, web: WebSystem) -> None:
    token = sign_in(client, *UNIT_A)
    task_id = released_task(web, "Kiểm tra CSRF")
    refused = client.post(f"/tasks/{task_id}/actions/accept", data={})
    assert refused.status_code == 403
    assert client.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_the_session_cookie_is_httponly_and_samesite_lax(web: WebSystem) -> None:
    client = web.app().test_client()
    page = client.get("/login")
    answer = client.post(
        "/login",
        data={"role": "office", "unit": "VP_UBND", "csrf_token": csrf_of(page.get_data(True))},
    )
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_an_expired_session_signs_in_again_and_returns_to_the_page(client: Any) -> None:
    sign_in(client, *UNIT_A)
    with client.session_transaction() as session:
        session[EXPIRES_KEY] = int(time.time()) - 1
    answer = client.get("/tasks?status=assigned")
    location = answer.headers["Location"]
    assert answer.status_code == 302 and urlsplit(location).path == "/login"
    target = parse_qs(urlsplit(location).query)["next"][0]
    assert target == "/tasks?status=assigned"
    login = client.get(location).get_data(as_text=True)
    back = client.post(
        "/login",
        data={
            "role": "unit_officer",
            "unit": "SO_TC",
            "next": target,
            "csrf_token": csrf_of(login),
        },
    )
    assert back.headers["Location"] == target


@pytest.mark.parametrize(
    "target", ["https://evil.example/x", "//evil.example/x", "/\\evil.example/x", "/a\r\nb"]
)
def test_next_never_leaves_the_site(client: Any, target: str) -> None:
    login = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    assert "evil.example" not in login
    signed = client.post(
        "/login",
        data={
            "role": "unit_officer",
            "unit": "SO_TC",
            "next": target,
            "csrf_token": csrf_of(login),
        },
    )
    assert signed.headers["Location"] in ("/", "http://localhost/")


def test_a_409_shows_the_apis_message_and_the_actions_offered_now(
    client: Any, web: WebSystem
) -> None:
    task_id = released_task(web, "Nhiệm vụ bị tiếp nhận hai lần")
    token = sign_in(client, *UNIT_A)
    assert 'data-action="accept"' in client.get(f"/tasks/{task_id}").get_data(as_text=True)
    accepted = web.api("POST", f"/api/workflow/tasks/{task_id}/actions/accept", *UNIT_A, json={})
    assert accepted.status_code == 200, accepted.text
    answer = client.post(f"/tasks/{task_id}/actions/accept", data={"csrf_token": token})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert 'role="alert"' in page
    assert 'data-action="accept"' not in page and 'data-action="submit_result"' in page


def test_api_field_errors_show_beside_their_fields(client: Any) -> None:
    sign_in(client, *OFFICE)
    form = client.get("/documents/new").get_data(as_text=True)
    data = {
        "csrf_token": csrf_of(form),
        "number": "không hợp lệ",
        "type": "cong_van",
        "assigned_by": "ubnd_tinh",
        "signer-name": "",
        "signer-position": "Chủ tịch",
        "issued_on": "2026-12-01",
        "urgency": "thuong",
        "summary": "Trích yếu",
        "idempotency_key": uuid.uuid4().hex,
        "tasks-0-content": "Một nhiệm vụ",
        "tasks-0-lead_unit": "KHONG_CO",
        "tasks-0-schedule": "due",
        "tasks-0-due_on": "2027-01-31",
        "op": "save",
    }
    answer = client.post("/documents/new", data={**data, "summary": ""})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    for field in ("signer-name", "summary"):  # refused by the API's schema
        assert f'id="f-{field}-error"' in page, field
        assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', page), field
    data["signer-name"] = "Lê Văn C"
    for field, fix in (("number", "12/UBND-KTTC"), ("tasks-0-lead_unit", "SO_TC")):
        answer = client.post("/documents/new", data=data)  # refused by intake's rules
        page = answer.get_data(as_text=True)
        assert answer.status_code == 422
        assert f'id="f-{field}-error"' in page, re.findall(r'id="f-[^"]*-error"[^<]*', page)
        data[field] = fix
    assert "Một nhiệm vụ" in page  # what was typed is kept


def test_task_content_is_escaped_on_every_page(client: Any, web: WebSystem) -> None:
    script = "<script>alert('x')</script> Rà soát"
    task_id = released_task(web, script)
    sign_in(client, *UNIT_A)
    for path in (f"/tasks/{task_id}", "/unit", "/tasks"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page, path
    assert "&lt;script&gt;alert(" in client.get(f"/tasks/{task_id}").get_data(as_text=True)


def test_no_token_in_urls_or_pages_and_a_csp_without_inline_scripts(
    client: Any, web: WebSystem
) -> None:
    sign_in(client, *OFFICE)
    with client.session_transaction() as session:
        api_token = session["api_token"]
    for path in ("/office", "/documents", "/tasks", "/inbox", "/me"):
        answer = client.get(path)
        page = answer.get_data(as_text=True)
        assert api_token not in page and "eyJ" not in page, path
        policy = answer.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "<script>" not in page  # every script is a file
    assert api_token not in client.get("/").headers["Location"]


def test_only_the_office_enters_and_releases_documents_D5_1a(client: Any) -> None:
    sign_in(client, *UNIT_A)
    assert client.get("/documents/new").status_code == 403
    assert client.get("/documents").status_code == 403
    assert "Văn bản</a>" not in client.get("/unit").get_data(as_text=True)


def test_a_return_shows_its_reason_in_the_office_queue_D5_2a(client: Any, web: WebSystem) -> None:
    task_id = released_task(web, "Nhiệm vụ không thuộc chức năng", lead="SO_XD")
    token = sign_in(client, *UNIT_B)
    answer = client.post(
        f"/tasks/{task_id}/actions/return",
        data={"csrf_token": token, "reason": "not_its_function", "note": "Thuộc Sở Tài chính"},
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)[:3000]
    office = web.app().test_client()
    sign_in(office, *OFFICE)
    queue = office.get("/office").get_data(as_text=True)
    row = queue[queue.index(f"/tasks/{task_id}") :][:1500]
    assert "Không thuộc chức năng" in row


def test_no_result_button_while_an_extension_is_pending_D5_2c(client: Any, web: WebSystem) -> None:
    task_id = released_task(web, "Nhiệm vụ xin gia hạn")
    token = sign_in(client, *UNIT_A)
    client.post(f"/tasks/{task_id}/actions/accept", data={"csrf_token": token})
    missing = client.post(
        f"/tasks/{task_id}/actions/request_extension", data={"csrf_token": token, "reason": "x"}
    )
    assert missing.status_code == 422
    assert 'id="f-request_extension-new_due_on-error"' in missing.get_data(as_text=True)
    asked = client.post(
        f"/tasks/{task_id}/actions/request_extension",
        data={"csrf_token": token, "new_due_on": "2027-06-30", "reason": "Chờ số liệu"},
    )
    assert asked.status_code == 303, asked.get_data(as_text=True)[:3000]
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Chờ gia hạn" in page
    assert 'data-action="submit_result"' not in page
    assert 'data-action="report_progress"' in page


def test_a_form_posted_after_the_session_expired_comes_back_to_its_page(
    client: Any, web: WebSystem
) -> None:
    task_id = released_task(web, "Nhiệm vụ gửi khi phiên đã hết")
    token = sign_in(client, *UNIT_A)
    with client.session_transaction() as session:
        session[EXPIRES_KEY] = int(time.time()) - 1
    answer = client.post(
        f"/tasks/{task_id}/actions/accept",
        data={"csrf_token": token},
        headers={"Referer": f"http://localhost/tasks/{task_id}"},
    )
    location = answer.headers["Location"]
    assert parse_qs(urlsplit(location).query)["next"] == [f"/tasks/{task_id}"]
    assert web.api("GET", f"/api/workflow/tasks/{task_id}", *UNIT_A).json()["status"] == "assigned"


def test_pages_tell_their_server_time(client: Any) -> None:
    sign_in(client, *OFFICE)
    timing = client.get("/office").headers["Server-Timing"]
    assert re.fullmatch(r'app;dur=\d+\.\d, api;desc="\d+ calls, \d+\.\d ms"', timing)


def test_the_home_pages_read_their_queues_in_one_call_per_service(client: Any) -> None:
    """The Office's home: intake's and workflow's queues (it made 14 calls, one per queue); a
    unit's: workflow's (it made 5). Each page also asks notify for the header's unread count."""

    def calls(path: str) -> int:
        timing = client.get(path).headers["Server-Timing"]
        found = re.search(r'api;desc="(\d+) calls?', timing)
        assert found is not None, timing
        return int(found.group(1))

    sign_in(client, *OFFICE)
    calls("/office")  # the unit directory is read once, then cached
    assert calls("/office") == 3
    sign_in(client, *UNIT_A)
    assert calls("/unit") == 2


def test_another_units_task_is_refused_with_the_apis_words(client: Any, web: WebSystem) -> None:
    task_id = released_task(web, "Nhiệm vụ của Sở Tài chính")
    sign_in(client, *UNIT_B)
    answer = client.get(f"/tasks/{task_id}")
    assert answer.status_code == 403
    assert "Bạn không có quyền xem nhiệm vụ của đơn vị khác" in answer.get_data(as_text=True)


def test_a_filter_answers_htmx_with_the_results_only_to_swap(client: Any) -> None:
    sign_in(client, *OFFICE)
    answer = client.get("/tasks?status=assigned", headers={"HX-Request": "true"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="results"' in page
    assert 'id="unread-count"' not in page  # the header is not asked for
