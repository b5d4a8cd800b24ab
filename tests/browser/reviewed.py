"""What the browser tests of the Office's two reviewed reports share — the evaluation report
(Đ16.2, Đ18.2) and the annual report (Đ20.1): steps through the API, publishing the approved
report with its number, and a visitor reading it on the public page."""

from __future__ import annotations

from typing import Any

import requests

from tests.browser.conftest import api_token, axe_check, shot
from tests.polling import wait_for


def call(base: str, method: str, path: str, role: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {api_token(role, 'VP_UBND')}"}
    answer = requests.request(method, base + path, json=body, headers=headers, timeout=30)
    assert answer.status_code < 300, answer.text
    return answer.json()


def publish(page: Any, number: str) -> None:
    """The Office publishes the approved report on its page with `number`, which it then shows."""
    assert "Lãnh đạo Văn phòng đã duyệt, chờ công bố" in page.locator("#report-status").inner_text()
    page.fill("[name=number]", number)
    with page.expect_navigation():
        page.get_by_role("button", name="Công bố trên trang công khai").click()
    assert page.locator("#report-number").inner_text() == number


def read_publicly(page: Any, url: str, section: str, text: str, name: str) -> None:
    """A visitor reads `text` in the report's `#<section>` on the public page `url` once it is
    published (screenshot and axe-core as `name`)."""
    visitor = page.context.browser.new_page()
    try:

        def published() -> bool:
            visitor.goto(url)
            return visitor.locator(f"#{section}").count() == 1

        wait_for(published, what=f"the published report ({section}) on the public page")
        assert text in visitor.locator(f"#{section}").inner_text()
        shot(visitor, name)
        axe_check(visitor, name)
    finally:
        visitor.close()
