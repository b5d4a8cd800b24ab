"""The diagrams on the web pages, against a real embedded system: a task's and a case's page
show the diagram of the version they run on with the current step and the steps taken (drawn and
in words), only to those who may read them; the process owners' pages (versions with their
running instances, the modeler, the check before deploying, the deploy, the comparison) only to
process owners."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.web.app import CSP
from services.web.routes.diagrams import MODELER_CSP, PANEL_STYLE_HASHES
from services.workflow.config import BPMN_DIR
from tests.integration.test_web_pages import document, released_task
from tests.integration.webkit import WebSystem, running_system, sign_in
from tests.polling import wait_for
from tests.unit.diagramkit import CAMUNDA, PROCESS, three_problems

OFFICE = ("office", "VP_UBND")
UNIT_A = ("unit_officer", "SO_TC")
UNIT_B = ("unit_officer", "SO_XD")
OWNER = ("process_owner", "VP_UBND")
LIFECYCLE = Path(BPMN_DIR) / "task_lifecycle.bpmn"
VENDOR = Path(__file__).resolve().parents[2] / "services" / "web" / "static" / "vendor"
MARKERS = re.compile(r"data-markers='([^']*)'")


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    yield from running_system(Path(tmp_path_factory.mktemp("webdiagrams")))


@pytest.fixture()
def client(web: WebSystem) -> Any:
    return web.app().test_client()


def markers(page: str) -> dict[str, list[str]]:
    found = MARKERS.search(page)
    assert found, "no diagram canvas on the page"
    loaded: dict[str, list[str]] = json.loads(found.group(1))
    return loaded


def test_the_task_page_shows_its_diagram_the_current_step_and_the_steps_taken(
    client: Any, web: WebSystem
) -> None:
    task_id = released_task(web, "Sơ đồ trên trang nhiệm vụ")
    token = sign_in(client, *UNIT_A)
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)

    assert 'id="h-diagram"' in page and "phiên bản 1" in page
    assert markers(page)["step-current"] == ["work"]
    assert "start" in markers(page)["step-passed"]
    text = page[page.index('class="diagram-text"') :]
    assert text.index("Bước hiện tại") < text.index("Đơn vị thực hiện nhiệm vụ")
    assert "Nhiệm vụ được giao" in text  # a step taken, by its name
    assert "bpmn-navigated-viewer.production.min.js" in page and "<script>" not in page
    xml = client.get(f"/tasks/{task_id}/diagram.bpmn")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert xml.get_data() == LIFECYCLE.read_bytes()

    moved = client.post(f"/tasks/{task_id}/actions/accept", data={"csrf_token": token})
    assert moved.status_code == 303
    after = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert markers(after)["step-current"] == ["work"]
    assert "set_in_progress" in markers(after)["step-passed"]


def test_a_unit_that_may_not_read_the_task_sees_neither_page_nor_diagram(
    client: Any, web: WebSystem
) -> None:
    task_id = released_task(web, "Sơ đồ không dành cho đơn vị khác")
    sign_in(client, *UNIT_B)
    assert client.get(f"/tasks/{task_id}").status_code == 403
    assert client.get(f"/tasks/{task_id}/diagram.bpmn").status_code == 403
    assert client.get("/tasks/nope/diagram.bpmn").status_code == 404


def test_a_case_page_shows_the_case_diagram_to_those_it_concerns(
    client: Any, web: WebSystem
) -> None:
    task_id = document(web, "Sơ đồ của một việc", "SO_XD", coordinating_units=["SO_TC"])["tasks"][
        0
    ]["id"]
    body = {"task_id": task_id, "about_unit": "SO_XD", "problem": "late", "description": "Chậm"}

    def opened() -> Any:
        answer = web.api("POST", "/api/workflow/feedback", *UNIT_A, json=body)
        return answer if answer.status_code == 201 else None

    case_id = wait_for(opened, what="the coordinating unit's feedback").json()["items"][0]["id"]

    sign_in(client, *UNIT_A)
    page = client.get(f"/cases/feedback/{case_id}")
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    html = page.get_data(as_text=True)
    assert markers(html)["step-current"]
    assert f"/cases/feedback/{case_id}/diagram.bpmn" in html
    assert client.get(f"/cases/feedback/{case_id}/diagram.bpmn").status_code == 200
    assert client.get(f"/cases/nothing/{case_id}").status_code == 404

    stranger = web.app().test_client()
    sign_in(stranger, "unit_officer", "SO_YT")
    assert stranger.get(f"/cases/feedback/{case_id}").status_code == 403


def test_only_process_owners_see_the_modeler_pages(client: Any) -> None:
    sign_in(client, *OFFICE)
    for path in (
        "/process-models",
        "/process-models/task_lifecycle/versions/1",
        "/process-models/task_lifecycle/versions/1/modeler",
        "/process-models/task_lifecycle/versions/1/diagram.bpmn",
        "/process-models/task_lifecycle/compare",
    ):
        assert client.get(path).status_code == 403, path
    token = sign_in(client, *OFFICE)
    refused = client.post(
        "/process-models/task_lifecycle/validate",
        data=LIFECYCLE.read_bytes(),
        headers={"Content-Type": "application/bpmn+xml", "X-CSRF-Token": token},
    )
    assert refused.status_code == 403
    assert 'href="/process-models"' not in client.get("/office").get_data(as_text=True)


def test_a_process_owner_lists_versions_checks_deploys_and_compares(
    client: Any, web: WebSystem
) -> None:
    released_task(web, "Nhiệm vụ chạy trên phiên bản 1")
    token = sign_in(client, *OWNER)
    assert client.get("/").headers["Location"].endswith("/process-models")
    listing = client.get("/process-models").get_data(as_text=True)
    row = listing[listing.index("<code>task_lifecycle</code>") :]
    running = int(re.search(r'data-running="(\d+)"', row).group(1))  # type: ignore[union-attr]
    assert running >= 1 and "Đang dùng" in row

    modeler = client.get("/process-models/task_lifecycle/versions/1/modeler")
    page = modeler.get_data(as_text=True)
    assert modeler.status_code == 200
    assert "bpmn-modeler.production.min.js" in page and "bpmn-js-properties-panel.umd.js" in page
    assert 'data-validate-url="/process-models/task_lifecycle/validate"' in page

    headers = {"Content-Type": "application/bpmn+xml", "X-CSRF-Token": token}
    changed = LIFECYCLE.read_bytes().replace(
        b"due_soon_at(due_on, 3)", b"due_soon_at(due_on, 4)", 1
    )
    ok = client.post("/process-models/task_lifecycle/validate", data=changed, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["valid"] is True
    bad = client.post(
        f"/process-models/{PROCESS}/validate",
        data=three_problems(CAMUNDA.read_bytes()),
        headers=headers,
    )
    assert bad.status_code == 422
    assert [e["element_id"] for e in bad.get_json()["diagram_errors"]] == [
        "Activity_0d3kq1x",
        "Activity_0svc9x1",
        "Event_1ab",
    ]
    no_csrf = client.post(
        "/process-models/task_lifecycle/validate",
        data=changed,
        headers={"Content-Type": "application/bpmn+xml"},
    )
    assert no_csrf.status_code == 403

    deployed = client.post("/process-models/task_lifecycle/deploy", data=changed, headers=headers)
    assert deployed.status_code == 200, deployed.get_data(as_text=True)
    version = deployed.get_json()["version"]
    assert version >= 2 and deployed.get_json()["active"] is True

    compare = client.get(f"/process-models/task_lifecycle/compare?from=1&to={version}")
    html = compare.get_data(as_text=True)
    assert compare.status_code == 200
    changed_ids = re.findall(
        r'<li data-element-id="([^"]+)"', html[html.index('id="diff-changed"') :]
    )
    assert changed_ids == ["work_due_soon"]
    assert "due_soon_at(due_on, 4)" in html
    view = client.get(f"/process-models/task_lifecycle/versions/{version}")
    assert view.status_code == 200 and "Đơn vị thực hiện nhiệm vụ" in view.get_data(as_text=True)
    assert client.get("/process-models/task_lifecycle/compare?from=1&to=99").status_code == 404


def test_the_modeler_page_allows_only_the_properties_panel_style_attributes() -> None:
    """Each style attribute the vendored properties panel writes as HTML is allowed on the
    modeler's page by its hash, and nothing else is: no 'unsafe-inline', no other page."""
    panel = VENDOR / "bpmn-js-properties-panel" / "bpmn-js-properties-panel.umd.js"
    styles = set(re.findall(r"domify\('<[^']*?style=\"([^\"]*)\"", panel.read_text("utf-8")))
    assert styles == {"height: 100%", "flex: none; height: auto"}
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in styles
    }
    assert set(PANEL_STYLE_HASHES) == hashes
    assert "unsafe-inline" not in MODELER_CSP and "script-src 'self';" in MODELER_CSP
    assert "unsafe-hashes" not in CSP


def test_the_modeler_page_sends_its_own_policy(client: Any) -> None:
    sign_in(client, *OWNER)
    page = client.get("/process-models/task_lifecycle/versions/1/modeler")
    assert page.headers["Content-Security-Policy"] == MODELER_CSP
    assert client.get("/process-models").headers["Content-Security-Policy"] == CSP
