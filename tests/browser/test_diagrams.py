"""Diagrams in a real browser, on the system as `make run` serves it: a task page draws the
diagram of the version its task runs on with the current step highlighted and the steps taken
marked; a process owner opens task_lifecycle in the modeler, sees a check's errors on their
elements, changes a reminder's working days in the properties panel, checks, deploys, and the
next released task runs the new version while the one released before keeps its own; two
versions compared; each diagram of bpmn/ in the viewer. Screenshots
var/artifacts/screenshots/6N-*.png and 70-*.png; axe-core on each page."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import requests

from services.workflow.config import BPMN_DIR
from tests.browser.conftest import api_token, axe_check, shot, sign_in
from tests.polling import wait_for

LEAD = "SO_TC"
COORDINATOR = "SO_XD"
OFFICE = ("office", "VP_UBND")
OWNER = ("process_owner", "VP_UBND")
READY = ".bpmn-canvas[data-diagram='ready']"


def call(base: str, method: str, path: str, who: tuple[str, str], body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {api_token(*who)}"}
    answer = requests.request(method, base + path, json=body, headers=headers, timeout=30)
    assert answer.status_code < 300, answer.text
    return answer.json()


def released_task(base: str, content: str, coordinating: tuple[str, ...] = ()) -> str:
    """A task for SO_TC released by the Office, once the workflow runs it."""
    today = str(requests.get(f"{base}/api/admin/clock", timeout=10).json()["now"])[:10]
    document = {
        "source_id": f"diagram-{uuid.uuid4().hex[:8]}",
        "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-KTTC",
        "type": "cong_van",
        "assigned_by": "pho_chu_tich",
        "signer": {"name": "Lê Văn C", "position": "Phó Chủ tịch UBND tỉnh"},
        "issued_on": today,
        "urgency": "thuong",
        "secrecy": None,
        "summary": "Về rà soát quy trình",
        "release": True,
        "tasks": [
            {
                "content": content,
                "lead_unit": LEAD,
                "coordinating_units": list(coordinating),
                "due_on": f"{int(today[:4]) + 1}-03-31",
                "cadence": None,
            }
        ],
    }
    task_id: str = call(base, "POST", "/api/intake/documents", OFFICE, document)["tasks"][0]["id"]
    headers = {"Authorization": f"Bearer {api_token(*OFFICE)}"}
    wait_for(
        lambda: (
            requests.get(
                f"{base}/api/workflow/tasks/{task_id}", headers=headers, timeout=10
            ).status_code
            == 200
        ),
        what="the task in the workflow",
    )
    return task_id


def diagram_version(base: str, task_id: str) -> tuple[int, str]:
    found = call(base, "GET", f"/api/workflow/tasks/{task_id}/diagram", OFFICE)
    return int(found["version"]), str(found["bpmn_xml"])


def classes(page: Any, element_id: str, within: str = READY) -> str:
    shape = page.locator(f"{within} g.djs-element[data-element-id='{element_id}']").first
    return str(shape.get_attribute("class") or "")


def visit(page: Any, name: str) -> None:
    shot(page, name)
    axe_check(page, name)


def test_the_task_page_highlights_the_current_step(web_system: str, page: Any) -> None:
    base = web_system
    task_id = released_task(base, "Rà soát quy trình cấp phép xây dựng", (COORDINATOR,))
    sign_in(page, base, "unit_officer", LEAD)
    page.goto(f"{base}/tasks/{task_id}")
    page.locator(READY).wait_for()
    assert "step-current" in classes(page, "work")

    # The unit accepts on the page; htmx swaps the panel and its diagram follows the task.
    page.locator("summary", has_text=re.compile(r"^\s*Tiếp nhận\s*$")).first.click()
    page.locator("button[data-action='accept']").click()
    page.locator(".flash-success", has_text="Tiếp nhận").wait_for()
    page.locator(READY).wait_for()
    # Back at the unit's step, the acceptance (its status change) among the steps taken.
    assert "step-current" in classes(page, "work")
    assert "step-passed" in classes(page, "set_in_progress")
    assert "step-passed" in classes(page, "start")
    words = page.locator(".diagram-text").inner_text()
    assert words.index("Bước hiện tại") < words.index("Đơn vị thực hiện nhiệm vụ")
    assert "Trạng thái: Đang thực hiện" in words
    page.locator("#diagram").scroll_into_view_if_needed()
    shot(page, "60-task-diagram")
    page.locator("#diagram").screenshot(path=str(shot_path("60-task-diagram-canvas")))
    axe_check(page, "60-task-diagram")

    # A case about the task: its own diagram, on its own page.
    body = {"task_id": task_id, "about_unit": LEAD, "problem": "late", "description": "Chậm"}
    case = call(base, "POST", "/api/workflow/feedback", ("unit_officer", COORDINATOR), body)
    case_id = case["items"][0]["id"]
    current = case["items"][0]
    sign_in(page, base, "unit_officer", COORDINATOR)
    page.goto(f"{base}/cases/feedback/{case_id}")
    page.locator(READY).wait_for()
    waiting = call(base, "GET", f"/api/workflow/feedback/{case_id}/diagram", OFFICE)["current"]
    assert waiting and current["status"]
    assert "step-current" in classes(page, waiting[0]["element_id"])
    visit(page, "61-case-diagram")


def shot_path(name: str) -> Path:
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


# The first timer whose timeDate reads `before`, brought into view: its element id.
FIND_REMINDER = """(before) => {
  const modeler = window.nhiemvuModeler;
  for (const element of modeler.get('elementRegistry').getAll()) {
    for (const definition of element.businessObject.eventDefinitions || []) {
      const date = definition.timeDate;
      if (date && date.body && date.body.includes(before)) {
        modeler.get('canvas').scrollToElement(element);
        return element.id;
      }
    }
  }
  return null;
}"""
TIMER_BODY = """(id) => window.nhiemvuModeler.get('elementRegistry').get(id)
  .businessObject.eventDefinitions[0].timeDate.body"""


def test_a_process_owner_changes_a_reminder_and_deploys_a_version_new_tasks_run(
    web_system: str, page: Any
) -> None:
    base = web_system
    before = released_task(base, "Nhiệm vụ giao trước khi đổi quy trình")
    old_version, old_xml = diagram_version(base, before)
    assert "due_soon_at(due_on, 3)" in old_xml

    sign_in(page, base, *OWNER)
    assert page.url.rstrip("/").endswith("/process-models")
    visit(page, "62-process-models")
    section = page.locator("section", has=page.locator("h2", has_text="task_lifecycle"))
    active = section.locator("tr.active-version")
    assert int(active.locator("td[data-running]").get_attribute("data-running") or 0) >= 1
    active.get_by_role("link", name=re.compile("^Soạn thảo")).click()
    page.locator("#modeler[data-modeler='ready']").wait_for()
    visit(page, "63-modeler")

    # Our own form: a user task's spiffworkflow:properties, emptied to show the check's errors.
    page.locator("g.djs-element[data-element-id='work']").first.click()
    form = page.locator("#nv-properties")
    form.locator(".prop-name").first.wait_for()
    names = [n.input_value() for n in form.locator(".prop-name").all()]
    assert names[:2] == ["actions", "role"]
    shot(page, "64-modeler-properties")
    declared = form.locator(".prop-value").first.input_value()
    assert declared
    form.locator(".prop-value").first.fill("")
    form.get_by_role("button", name="Áp dụng").click()
    page.get_by_role("button", name="Kiểm tra").click()
    result = page.locator("#check-result.failed")
    result.wait_for()
    assert result.locator("li[data-element-id='work']").count() == 1
    assert "has-error" in classes(page, "work", "#modeler-canvas")
    visit(page, "65-modeler-errors")

    # Undo that; change the reminder's working days; check and deploy.
    page.evaluate("() => window.nhiemvuModeler.get('commandStack').undo()")
    assert form.locator(".prop-value").first.input_value() == declared  # shown anew
    # The reminder's working days, changed in the properties panel's timer value.
    changed = page.evaluate(FIND_REMINDER, "due_soon_at(due_on, 3)")
    assert changed, "no timer with due_soon_at(due_on, 3) in task_lifecycle"
    page.locator(f"#modeler-canvas g.djs-element[data-element-id='{changed}']").click()
    panel = page.locator("#properties-panel")
    panel.locator(".bio-properties-panel-group-header", has_text="Hẹn giờ").click()
    value = panel.locator("#bio-properties-panel-timerEventDefinitionValue")
    value.fill(value.input_value().replace("due_soon_at(due_on, 3)", "due_soon_at(due_on, 5)"))
    page.wait_for_function(f"() => ({TIMER_BODY})({changed!r}).includes('due_on, 5')")
    shot(page, "65-modeler-timer")
    page.get_by_role("button", name="Kiểm tra").click()
    page.locator("#check-result.ok").wait_for()
    assert "has-error" not in classes(page, "work", "#modeler-canvas")
    with page.expect_download() as saved:
        page.get_by_role("button", name="Tải về tệp BPMN").click()
    assert saved.value.suggested_filename == "task_lifecycle.bpmn"
    assert "due_soon_at(due_on, 5)" in Path(saved.value.path()).read_text(encoding="utf-8")
    page.get_by_role("button", name="Triển khai phiên bản mới").click()
    deployed = page.locator("#check-result[data-deployed-version]")
    deployed.wait_for()
    new_version = int(deployed.get_attribute("data-deployed-version") or 0)
    assert new_version > old_version
    visit(page, "66-modeler-deployed")

    # The next released task runs the new version; the one released before keeps its own.
    after = released_task(base, "Nhiệm vụ giao sau khi đổi quy trình")
    version, xml = diagram_version(base, after)
    assert version == new_version and "due_soon_at(due_on, 5)" in xml
    assert diagram_version(base, before) == (old_version, old_xml)

    page.goto(f"{base}/process-models")
    assert "Đang dùng" in section.locator("tr.active-version").inner_text()
    assert section.locator("tr.active-version th").inner_text().startswith(str(new_version))
    visit(page, "67-process-models-after-deploy")

    page.goto(f"{base}/process-models/task_lifecycle/compare?from={old_version}&to={new_version}")
    page.locator(READY).nth(1).wait_for()
    page.locator(READY).nth(0).wait_for()
    assert page.locator("#diff-changed li").count() == 1
    assert "diff-changed" in classes(page, changed, ".compare-grid section:nth-child(2) " + READY)
    visit(page, "68-process-compare")


def test_each_diagram_of_bpmn_in_the_viewer(web_system: str, page: Any) -> None:
    base = web_system
    listed = call(base, "GET", "/api/workflow/process-models", OWNER)["items"]
    active = {m["process_id"]: m["version"] for m in listed if m["active"]}
    sign_in(page, base, *OWNER)
    page.goto(f"{base}/process-models/feedback/versions/{active['feedback']}")
    page.locator(READY).wait_for()
    visit(page, "69-process-version")
    for path in sorted(Path(BPMN_DIR).glob("*.bpmn")):
        page.goto(f"{base}/process-models/{path.stem}/versions/{active[path.stem]}")
        page.locator(READY).wait_for()
        assert page.locator(f"{READY} g.djs-element").count() > 5
        page.locator(".bpmn-canvas").screenshot(path=str(shot_path(f"70-diagram-{path.stem}")))


def test_the_task_diagram_on_a_phone(web_system: str, phone_page: Any) -> None:
    task_id = released_task(web_system, "Rà soát trên điện thoại")
    sign_in(phone_page, web_system, "unit_officer", LEAD)
    phone_page.goto(f"{web_system}/tasks/{task_id}")
    phone_page.locator(READY).wait_for()
    assert "step-current" in classes(phone_page, "work")
    canvas = phone_page.locator(READY).bounding_box()
    assert canvas["width"] <= 360  # the drawing stays within the phone's width
    phone_page.locator("#diagram").screenshot(path=str(shot_path("60-task-diagram-phone")))
    axe_check(phone_page, "60-task-diagram-phone")
