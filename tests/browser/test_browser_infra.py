"""The browser-test kit itself: the system starts, the browser drives it, and each helper can fail.

axe_check must fail on a page with real violations; a page's CSP refusal must be seen; sign_in
must post the form's `role` and `unit` (checked against a stand-in login form, so that the kit is
tested apart from the web application's own pages)."""

from __future__ import annotations

import json
import struct
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.browser.conftest import AXE_RESULTS, SCREENSHOTS, axe_check, shot, sign_in

ACCESSIBLE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Trang thử</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><header><p>Nhiệm vụ</p></header>
<main><h1>Trang thử nghiệm</h1>
<form><label for="q">Tìm kiếm</label> <input id="q" name="q">
<button type="submit">Tìm</button></form></main></body></html>"""

# An image without alternative text (critical), a field without a label (critical), grey on
# white text (serious contrast).
BROKEN = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Trang lỗi</title></head>
<body><main><h1>Trang lỗi</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="no-alt">
<input id="no-label" name="x">
<p id="faint" style="color:#bbb;background:#fff">Chữ mờ khó đọc</p>
</main></body></html>"""

CSP = "default-src 'self'; script-src 'self'; style-src 'self'"


def _serve(page: Any, url: str, html: str, headers: dict[str, str] | None = None) -> None:
    page.route(
        url,
        lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=html, headers=headers or {}
        ),
    )


def test_the_system_answers_the_browser(web_system: str, page: Any) -> None:
    health = page.goto(f"{web_system}/healthz")
    assert health is not None and health.ok
    answer = page.goto(f"{web_system}/api/intake/openapi.json")
    assert answer is not None and answer.status == 200
    assert json.loads(page.locator("body").inner_text())["openapi"].startswith("3.")


def test_a_clean_page_passes_axe_and_its_result_is_kept(page: Any) -> None:
    page.goto("data:text/html;charset=utf-8," + ACCESSIBLE.replace("#", "%23"))
    result = axe_check(page, "infra-clean")
    saved = json.loads((AXE_RESULTS / "infra-clean.json").read_text(encoding="utf-8"))
    assert saved["testEngine"]["name"] == "axe-core"
    assert saved["url"].startswith("data:text/html")
    assert not [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_axe_check_fails_on_serious_and_critical_violations(page: Any) -> None:
    page.set_content(BROKEN)
    with pytest.raises(AssertionError) as failure:
        axe_check(page, "infra-broken")
    message = str(failure.value)
    for rule, target in [("image-alt", "#no-alt"), ("label", "#no-label")]:
        assert rule in message and target in message
    assert "color-contrast (serious)" in message and "#faint" in message
    saved = json.loads((AXE_RESULTS / "infra-broken.json").read_text(encoding="utf-8"))
    assert {"image-alt", "label", "color-contrast"} <= {v["id"] for v in saved["violations"]}


def test_axe_runs_under_a_csp_without_inline_scripts(page: Any) -> None:
    """The web's Content-Security-Policy forbids inline scripts; axe is injected all the same."""
    _serve(page, "http://csp.test/", ACCESSIBLE, {"Content-Security-Policy": CSP})
    page.goto("http://csp.test/")
    axe_check(page, "infra-csp")
    assert page.problems == []


def test_a_csp_refusal_and_a_script_error_are_recorded(page: Any) -> None:
    html = ACCESSIBLE.replace("</body>", "<script>document.title = 'inline';</script></body>")
    _serve(page, "http://csp.test/", html, {"Content-Security-Policy": CSP})
    page.goto("http://csp.test/")
    page.wait_for_timeout(200)
    assert page.title() == "Trang thử"
    assert any(p.startswith("CSP:") for p in page.problems), page.problems
    page.evaluate("() => setTimeout(() => { throw new Error('boom'); })")
    page.wait_for_timeout(200)
    assert any("boom" in p for p in page.problems), page.problems
    page.problems.clear()  # recorded as expected: the fixture need not fail this test


def test_screenshots_on_a_phone_screen(phone_page: Any) -> None:
    phone_page.set_content(ACCESSIBLE)
    path = shot(phone_page, "infra-phone")
    assert path == SCREENSHOTS / "infra-phone.png"
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">I", header[16:20])[0] == 360  # the IHDR width


def test_sign_in_posts_role_and_unit(page: Any) -> None:
    login = """<!doctype html><html lang="vi"><head><title>Đăng nhập</title></head><body>
    <form method="post" action="/session"><label for="unit">Đơn vị</label>
    <select id="unit" name="unit"><option value="VP_UBND">Văn phòng UBND tỉnh</option>
    <option value="SO_TC">Sở Tài chính</option></select>
    <label for="role">Vai trò</label><select id="role" name="role">
    <option value="office">Văn phòng</option><option value="unit_officer">Cán bộ</option></select>
    <button type="submit">Đăng nhập</button></form></body></html>"""
    posted: list[dict[str, list[str]]] = []

    home = "<!doctype html><title>Trang chủ</title><h1>Xin chào</h1>"

    def handle(route: Any) -> None:
        request = route.request
        if request.method == "POST":  # (a fulfilled redirect would leave Playwright's routes)
            posted.append(parse_qs(request.post_data or ""))
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=home)
        else:
            body = login if request.url.endswith("/login") else home
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)

    page.route("http://login.test/**", handle)
    sign_in(page, "http://login.test", "unit_officer", "SO_TC")
    assert posted == [{"unit": ["SO_TC"], "role": ["unit_officer"]}]
    assert page.url == "http://login.test/session"


def test_sign_in_reports_a_refused_login(page: Any) -> None:
    login = """<!doctype html><html lang="vi"><head><title>Đăng nhập</title></head><body>
    <p role="alert">Đơn vị không tồn tại</p><form method="post" action="/login">
    <input name="unit" aria-label="Đơn vị"><input name="role" aria-label="Vai trò">
    <button type="submit">Đăng nhập</button></form></body></html>"""
    page.route(
        "http://login.test/login",
        lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=login
        ),
    )
    with pytest.raises(AssertionError, match="Đơn vị không tồn tại"):
        sign_in(page, "http://login.test", "office", "NOPE")
