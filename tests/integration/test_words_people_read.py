"""Words people read: every text a person reads names units by their names and says statuses,
actions and leaders in Vietnamese — never a unit code, an English status or an action's name.

Each *text producer* below builds the texts of one part of the system from seeded data: units
with distinctive codes and Vietnamese names, and, in the events, every task status and every
action. The test runs every producer and fails on any seeded unit code or any word of the known
English sets (task statuses, case statuses, action and notice names, the diagrams' actions,
leader slugs) in what it produced.

A new producer is a function `(tmp_path, bus_namespace) -> [(where, text), ...]` decorated with
`@text_producer("name")`; the parametrised test picks it up. Notify's producer lists the e-mail
templates directory, so a new template is rendered without touching this file.
"""

from __future__ import annotations

import contextlib
import functools
import html
import io
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from services.notify import domain as notify_domain
from services.notify import handlers as notify_handlers
from services.notify import mailer
from services.workflow import domain as workflow_domain
from services.workflow.exchanges import OPENER_LABELS
from services.workflow.kinds import case_kinds
from services.workflow.kinds.monthly_accounts import draft_text
from shared.event_schemas import CASE_EVENT_TYPES, TASK_EVENT_TYPES, TASK_STATUSES
from shared.events import encode, make_event, parse_event
from tests.integration import reportingkit, workflowkit
from tests.integration.workflowkit import NOW, auth

# -- the seeded world --------------------------------------------------------------------------
OFFICE_CODE = notify_domain.OFFICE_UNIT
UNITS = {
    OFFICE_CODE: "Văn phòng UBND tỉnh",
    "SO_XYZTEST": "Sở Khảo nghiệm Xyz",
    "SO_QWTEST": "Sở Thẩm định Qw",
    "BQL_KTEST": "Ban Quản lý khu thử nghiệm",
    "97531": "Xã Đông Thử",
}
UNIT_KINDS = {OFFICE_CODE: "office", "97531": "commune"}
LEAD, COORDINATING, OTHER, COMMUNE = "SO_XYZTEST", "SO_QWTEST", "BQL_KTEST", "97531"
LEADERS_NAME = "Lãnh đạo UBND tỉnh"

OFFICE = auth("office", OFFICE_CODE)
GROUP_LEADER = auth("office_lead", OFFICE_CODE)
LEAD_OFFICER = auth("unit_officer", LEAD)
COORDINATOR = auth("unit_officer", COORDINATING)

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
# People's Committee leaders as documents name them (assigned_by).
LEADER_SLUGS = ("ubnd_tinh", "chu_tich", "pho_chu_tich")


def _diagram_actions() -> set[str]:
    """Every action a diagram offers (`actions.<role>` properties of bpmn/*.bpmn)."""
    found: set[str] = set()
    pattern = re.compile(r'name="actions\.[a-z_]+"\s+value="([^"]*)"')
    for path in BPMN.glob("*.bpmn"):
        for value in pattern.findall(path.read_text(encoding="utf-8")):
            found |= {a.strip() for a in value.split(",") if a.strip()}
    return found


@functools.cache
def english_words() -> frozenset[str]:
    """Statuses, actions and notices by their machine names: what a person must never read."""
    words = set(TASK_STATUSES) | set(workflow_domain.STATUS_LABELS)
    words |= set(workflow_domain.ACTION_LABELS) | set(workflow_domain.NOTICE_LABELS)
    words |= set(workflow_domain.NOTICE_ACTIONS.values()) | set(OPENER_LABELS)
    for kind in case_kinds().values():
        words |= set(kind.statuses) | set(kind.actions) | set(kind.notice_labels or {})
    return frozenset(words | _diagram_actions() | set(LEADER_SLUGS))


def _visible(text: str) -> str:
    """What a reader sees of an HTML e-mail: the text between the tags."""
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def leaks(text: str) -> list[str]:
    """Seeded unit codes and English machine words in a text, each once."""
    found = []
    for word in sorted(set(UNITS) | english_words()):
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text):
            found.append(word)
    return found


# -- text producers ------------------------------------------------------------------------------
Producer = Callable[[Path, str], Iterable[tuple[str, str]]]
TEXT_PRODUCERS: dict[str, Producer] = {}


def text_producer(name: str) -> Callable[[Producer], Producer]:
    def register(producer: Producer) -> Producer:
        TEXT_PRODUCERS[name] = producer
        return producer

    return register


def unit_event(code: str) -> dict[str, Any]:
    data = {
        "code": code,
        "name": UNITS[code],
        "kind": UNIT_KINDS.get(code, "department"),
        "active": True,
        "successor": None,
    }
    return make_event("unit.updated", data, source="/test", time=NOW, subject=code)


# Notify: every e-mail template, and the inbox items the rules table writes ----------------------
TEMPLATES = mailer.TEMPLATES / "email"


def template_names() -> list[str]:
    """Every template in the directory, by the name `mailer.render` takes (the event type)."""
    names = {p.name.split(".txt.j2")[0] for p in TEMPLATES.glob("*.txt.j2")}
    return sorted(name for name in names if name != "_base")


def _task_data(event_type: str) -> Iterator[dict[str, Any]]:
    """The task's state after the change, once with each status, an action each time."""
    actions = sorted(workflow_domain.ACTION_LABELS)
    for n, status in enumerate(TASK_STATUSES):
        yield {
            "task_id": uuid.uuid4().hex,
            "document_id": "d" * 32,
            "status": status,
            "lead_unit": LEAD,
            "coordinating_units": [COORDINATING, COMMUNE],
            "handed_units": [OTHER],  # a unit under the lead unit (Đ8.2c)
            "due_on": "2026-12-20" if n % 2 == 0 else None,
            "overdue": n % 3 == 0,
            "assigned_on": "2026-12-01",
            "assigned_by": LEADER_SLUGS[n % len(LEADER_SLUGS)],
            "content": "Rà soát tiến độ giải ngân vốn đầu tư công",
            "action": actions[n % len(actions)],
            "note": "Đề nghị khẩn trương hoàn thành",
            "actor": {"sub": "o@vp", "name": "Nguyễn Văn A", "role": "office", "unit": OFFICE_CODE},
            "occurred_at": NOW.isoformat(),
            # Đ21: the officer the lead unit's head named, on half the tasks.
            "officer": {"sub": "an@lead", "name": "Nguyễn Văn An"} if n % 2 == 0 else None,
        }


def _case_data(event_type: str) -> Iterator[dict[str, Any]]:
    """The case's state after the change, once with each status of its kind."""
    prefix = event_type.split(".", 1)[0]
    kinds = case_kinds()
    kind = kinds["inspection_request" if ".documents_" in event_type else prefix]
    actions = sorted(kind.actions) or ["open"]
    parties = {
        role: [LEAD, COMMUNE] if role == "inspected" else [COORDINATING]
        for role in ("asked", "inspected", "invited", "reporter", "responsible", "consulted")
    }
    parties |= {"unit": [LEAD], "units": [notify_domain.EVERY_UNIT.id]}
    for n, status in enumerate(sorted(kind.statuses)):
        yield {
            "case_id": uuid.uuid4().hex,
            "kind": kind.kind,
            "title": f"{UNITS[LEAD]}: chậm phối hợp — 12/UBND-KTTC: Rà soát vốn",
            "status": status,
            "task_id": uuid.uuid4().hex if n % 2 else None,
            "parties": parties,
            "units": [LEAD, COORDINATING, COMMUNE],
            "due_on": "2026-12-20" if n % 2 == 0 else None,
            "overdue": n % 2 == 1,
            "action": actions[n % len(actions)],
            "note": "Đề nghị báo cáo trước ngày 20/12/2026",
            "details": {"unit": COORDINATING},
            "actor": {"sub": "o@vp", "name": "Nguyễn Văn A", "role": "office", "unit": OFFICE_CODE},
            "occurred_at": NOW.isoformat(),
        }


def _report_data() -> Iterator[dict[str, Any]]:
    figures = {"total": 3, "completed_on_time": 2, "completed_late": 1, "on_time_rate": 0.667}
    for period, start, end in (
        ("2026", "2026-01-01", "2026-12-31"),
        ("2026-H1", "2026-01-01", "2026-06-30"),
        ("2026-Q4", "2026-10-01", "2026-12-31"),
        ("2026-11", "2026-11-01", "2026-11-30"),
        ("2026-10-15..2026-11-14", "2026-10-15", "2026-11-14"),
    ):
        yield {
            "id": uuid.uuid4().hex,
            "period": period,
            "from": start,
            "to": end,
            "as_of": NOW.isoformat(),
            "published_at": NOW.isoformat(),
            "totals": figures,
            "units": [
                {"unit": code, "name": UNITS[code], **figures} for code in (LEAD, COMMUNE, OTHER)
            ],
        }


def _transfer_data() -> Iterator[dict[str, Any]]:
    yield {
        "task_id": uuid.uuid4().hex,
        "document_id": "d" * 32,
        "actor": {"sub": "o@vp", "name": "Nguyễn Văn A", "role": "office", "unit": OFFICE_CODE},
        "from_unit": LEAD,
        "to_unit": OTHER,
        "reason": "Đúng chức năng, nhiệm vụ của Ban",
        "transferred_at": NOW.isoformat(),
    }


def _task_report_data() -> Iterator[dict[str, Any]]:
    for problem, task_id in (("missing", None), ("incorrect", uuid.uuid4().hex)):
        yield {
            "report_id": uuid.uuid4().hex,
            "document_id": "d" * 32,
            "document_number": "25/2026/CT-UBND",
            "unit": LEAD,
            "problem": problem,
            "reason": "Văn bản giao đơn vị thẩm định kinh phí",
            "reported_at": NOW.isoformat(),
            "task_id": task_id,
            "actor": {"sub": "u@so", "name": "Trần Thị B", "role": "unit_officer", "unit": LEAD},
        }


def seeded_events(event_type: str) -> list[Any]:
    """The event type's events with seeded data, as notify's consumer receives them."""
    if event_type in TASK_EVENT_TYPES:
        datas: Iterable[dict[str, Any]] = _task_data(event_type)
    elif event_type in CASE_EVENT_TYPES:
        datas = _case_data(event_type)
    elif event_type == "report.published":
        datas = _report_data()
    elif event_type == "task.transferred":
        datas = _transfer_data()
    elif event_type == "document.task_reported":
        datas = _task_report_data()
    else:
        raise AssertionError(f"{event_type}: a template with no seeded data; add it here")
    return [
        parse_event(encode(make_event(event_type, data, source="/test", time=NOW)))
        for data in datas
    ]


def addressee(recipient: notify_domain.Recipient) -> str:
    return UNITS[recipient.id] if recipient.kind == "unit" else LEADERS_NAME


def notify_texts(event: Any) -> Iterator[tuple[str, str]]:
    """An event's inbox items and e-mails, as notify's handler writes them."""
    messages = notify_domain.messages_for(event.type, event.data, lambda c: UNITS.get(c, c))
    messages = notify_domain.for_every_unit(messages, UNITS)
    for message in messages:
        where = f"{event.type} → {message.recipient.kind} {message.recipient.id}"
        yield f"{where}: inbox title", message.title
        yield f"{where}: inbox body", message.body
        context = notify_handlers.email_context(event, message, addressee(message.recipient))
        rendered = mailer.render(event.type, context)
        yield f"{where}: e-mail subject", rendered["subject"]
        yield f"{where}: e-mail text", rendered["text"]
        yield f"{where}: e-mail HTML", _visible(rendered["html"])


@text_producer("notify e-mail templates and inbox items")
def notify_templates(_tmp_path: Path, _namespace: str) -> Iterator[tuple[str, str]]:
    digest_items: list[dict[str, str]] = []
    for name in template_names():
        if name in ("_default", "digest"):
            continue
        events = seeded_events(name)
        assert any(notify_domain.messages_for(e.type, e.data, lambda c: c) for e in events), (
            f"{name}: its template has no message to render"
        )
        for event in events:
            yield from notify_texts(event)
            messages = notify_domain.messages_for(event.type, event.data, UNITS.__getitem__)
            digest_items += [{"title": m.title, "body": m.body} for m in messages]
    # An event type without a template of its own is written with _default.
    for event in seeded_events("task.accepted"):
        message = notify_domain.Message(
            notify_domain.Recipient("unit", LEAD), "Nhiệm vụ đã được tiếp nhận", "Rà soát vốn"
        )
        rendered = mailer.render("_default", notify_handlers.email_context(event, message, "x"))
        yield "_default: e-mail text", rendered["text"]
        yield "_default: e-mail HTML", _visible(rendered["html"])
    # The daily digest gathers them (services/notify/digest.py).
    for code in (LEAD, OFFICE_CODE):
        rendered = mailer.render(
            "digest",
            {
                "unit_name": UNITS[code],
                "title": "Tổng hợp thông báo ngày 01/12/2026",
                "day": "01/12/2026",
                "items": digest_items,
            },
        )
        yield f"digest to {code}: text", rendered["text"]
        yield f"digest to {code}: HTML", _visible(rendered["html"])


# Workflow: the texts it writes (case titles and notes, history notes, the monthly account) -------
@contextlib.contextmanager
def seeded_workflow(tmp_path: Path, namespace: str) -> Iterator[Any]:
    with workflowkit.running(tmp_path, namespace, workflowkit.ADJUSTABLE) as service:
        for code in UNITS:
            assert service.consumer.process(encode(unit_event(code)).encode(), {}) == "applied"
        yield service


def _release(service: Any, lead: str = LEAD) -> str:
    data = {
        "task_id": uuid.uuid4().hex,
        "document_id": "d" * 32,
        "document_number": "12/UBND-KTTC",
        "document_type": "cong_van",
        "assigned_by": "pho_chu_tich",
        "issued_on": "2026-11-30",
        "content": "Rà soát tiến độ giải ngân vốn đầu tư công",
        "lead_unit": lead,
        "coordinating_units": [COORDINATING],
        "due_on": "2026-12-20",
        "cadence": None,
        "released_at": NOW.isoformat(),
    }
    body = encode(make_event("task.released", data, source="/test", time=NOW))
    assert service.consumer.process(body.encode(), {}) == "applied"
    return str(data["task_id"])


def _post(service: Any, path: str, who: dict[str, str], **body: Any) -> dict[str, Any]:
    response = service.client.post(f"/api/workflow/{path}", json=body, headers=who)
    assert response.status_code in (200, 201), (path, response.get_json())
    return dict(response.get_json())


def work_a_month(service: Any) -> dict[str, Any]:
    """A month of the Working Group's work on seeded units: urgings, an inspection, a feedback,
    a difficulty, an information request, a transfer; then the monthly account (Đ10.1đ), with
    the tasks and the inspection it worked on."""
    first, second, third = _release(service), _release(service), _release(service)
    for task_id in (first, second):
        _post(service, f"tasks/{task_id}/actions/urge", OFFICE, note="Đề nghị khẩn trương")
    _post(service, f"tasks/{first}/actions/accept", LEAD_OFFICER)
    _post(
        service,
        f"tasks/{first}/actions/report_difficulty",
        LEAD_OFFICER,
        problem="blocked",
        description="Vướng quy hoạch",
    )
    _post(
        service,
        "feedback",
        COORDINATOR,
        task_id=first,
        about_unit=LEAD,
        problem="late",
        description="Sở chưa gửi số liệu phối hợp",
    )
    inspection = _post(
        service,
        "inspections",
        OFFICE,
        form="regular",
        title="Kiểm tra việc thực hiện nhiệm vụ quý IV/2026",
        units=[LEAD, COMMUNE],
        scope=["implementation"],
        period_from="2026-11-01",
        period_to="2026-11-30",
    )["items"][0]
    _post(service, f"inspections/{inspection['id']}/actions/approve", GROUP_LEADER)
    _post(
        service,
        "inspection-requests",
        OFFICE,
        inspection_id=inspection["id"],
        units=[LEAD, COMMUNE],
        request="Báo cáo tình hình thực hiện",
        due_on="2026-12-04",
    )
    _post(
        service,
        "info-requests",
        OFFICE,
        subject="task",
        task_id=third,
        question="Đề nghị báo cáo tỷ lệ giải ngân",
        units=[LEAD],
        due_on="2026-12-04",
    )
    transfer = {
        "task_id": third,
        "document_id": "d" * 32,
        "actor": {"sub": "o@vp", "name": "Nguyễn Văn A", "role": "office", "unit": OFFICE_CODE},
        "from_unit": LEAD,
        "to_unit": OTHER,
        "reason": "Đúng chức năng của Ban",
        "transferred_at": (NOW + timedelta(minutes=5)).isoformat(),
    }
    body = encode(make_event("task.transferred", transfer, source="/test", time=NOW))
    assert service.consumer.process(body.encode(), {}) == "applied"
    account = _post(service, "monthly-accounts", OFFICE, month="2026-12")["items"][0]
    return {"account": account, "tasks": [first, second, third], "inspection": inspection["id"]}


def refusals(service: Any, month: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Errors people read when the system refuses an action: named, never by their keys."""
    _first, second, _third = month["tasks"]
    attempts = (
        (f"tasks/{second}/actions/confirm", OFFICE),  # nothing submitted yet
        (f"tasks/{second}/actions/urge", LEAD_OFFICER),  # the Office's, not the unit's
        (f"tasks/{second}/actions/report_difficulty", LEAD_OFFICER),  # not accepted yet
        (f"inspections/{month['inspection']}/actions/approve", GROUP_LEADER),  # approved already
        (f"inspections/{month['inspection']}/actions/finish", LEAD_OFFICER),
    )
    for path, who in attempts:
        body = {"problem": "blocked", "description": "x"} if "difficulty" in path else {}
        response = service.client.post(f"/api/workflow/{path}", json=body, headers=who)
        assert response.status_code in (403, 409), (path, response.get_json())
        yield f"refused {path}", response.get_json().get("detail") or response.get_json()["title"]


def outbox_events(service: Any) -> list[Any]:
    outbox = service.runtime.platform.tables.outbox
    with service.runtime.platform.database.read() as conn:
        rows = conn.execute(select(outbox.c.body).order_by(outbox.c.seq)).all()
    return [parse_event(row.body) for row in rows]


@text_producer("workflow: monthly account, case titles and notes, task history")
def workflow_texts(tmp_path: Path, namespace: str) -> Iterator[tuple[str, str]]:
    with seeded_workflow(tmp_path, namespace) as service:
        month = work_a_month(service)
        account = month["account"]
        yield "monthly account: draft", account["data"]["text"]
        yield from refusals(service, month)
        yield "monthly account: redrafted from its figures", draft_text(account["data"]["figures"])
        events = outbox_events(service)
        tasks = {e.data["task_id"] for e in events if e.type.startswith("task.")}
        for task_id in tasks:
            view = service.client.get(f"/api/workflow/tasks/{task_id}", headers=OFFICE)
            for entry in view.get_json()["history"]:
                yield f"task history {entry['action']}: note", entry.get("note") or ""
    for event in events:
        if event.type in CASE_EVENT_TYPES:
            yield f"{event.type}: case title", event.data["title"]
            yield f"{event.type}: case note", event.data.get("note") or ""
        # What notify makes of what the workflow really sent.
        yield from notify_texts(event)


# Reporting: the Đ18 report's workbook (every sheet: figures, Đ17.4 list, the Office's own) ------
def _cells(workbook: bytes) -> Iterator[tuple[str, str]]:
    book = load_workbook(io.BytesIO(workbook), read_only=True)
    for sheet in book.worksheets:
        yield "XLSX sheet name", sheet.title
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    yield f"XLSX {sheet.title}!{cell.coordinate}", cell.value


@text_producer("reporting: Đ18 report workbook")
def reporting_texts(tmp_path: Path, namespace: str) -> Iterator[tuple[str, str]]:
    with reportingkit.reporting_service(tmp_path, namespace) as service:
        for code, name in UNITS.items():
            reportingkit.unit(service, code, name)
        released = reportingkit.at("2026-10-02")
        reportingkit.document(service, "d" * 32, "12/UBND-KTTC", "2026-10-01", released)
        late = reportingkit.Task(
            service, LEAD, "2026-10-05", "2026-10-20", assigned_by="pho_chu_tich"
        )
        late.accept("2026-10-06").send(
            "task.result_submitted", "submitted", reportingkit.at("2026-10-23")
        )
        late.send("task.rework_requested", "rework", reportingkit.at("2026-10-26"))
        late.send("task.result_submitted", "submitted", reportingkit.at("2026-10-28"))
        late.complete(reportingkit.at("2026-10-30"))
        reportingkit.Task(service, COMMUNE, "2026-10-05", "2026-11-20").accept("2026-10-06")
        waiting = reportingkit.Task(service, OTHER, "2026-10-05", "2026-12-31")
        waiting.accept("2026-10-06").send(
            "task.result_submitted", "submitted", reportingkit.at("2026-12-01")
        )
        reportingkit.Task(service, COORDINATING, "2026-10-05", None, assigned_by="ubnd_tinh")
        office = reportingkit.headers()
        report = service.client.post(
            "/api/reporting/reports", json={"period": "2026-Q4"}, headers=office
        )
        assert report.status_code == 201, report.get_json()
        workbook = service.client.get(
            f"/api/reporting/reports/{report.get_json()['id']}.xlsx", headers=office
        )
        assert workbook.status_code == 200
        yield from _cells(workbook.data)


# -- the tests -----------------------------------------------------------------------------------
@pytest.mark.parametrize("producer", sorted(TEXT_PRODUCERS))
def test_texts_people_read_name_units_and_say_statuses_and_actions_in_vietnamese(
    producer: str, tmp_path: Path, bus_namespace: str
) -> None:
    texts = list(TEXT_PRODUCERS[producer](tmp_path, bus_namespace))
    assert texts, "a producer that produces nothing checks nothing"
    found = [f"{where}: {leaks(text)}\n{text}" for where, text in texts if leaks(text)]
    assert not found, "\n\n".join(found[:10]) + f"\n\n({len(found)} texts in all)"


def test_every_notify_template_is_rendered_with_seeded_data() -> None:
    names = template_names()
    assert {"_default", "digest", "task.assigned", "monthly_account.drafted"} <= set(names)
    for name in names:
        if name not in ("_default", "digest"):
            assert seeded_events(name), name


def test_the_check_finds_a_unit_code_and_an_english_status() -> None:
    words = english_words()
    assert {"submitted", "rework", "in_progress", "accept", "urge", "auto_urge"} <= words
    assert {"reported", "draft", "directed", "ask_opinions", "report_difficulty"} <= words
    assert {"chu_tich", "pho_chu_tich"} <= words
    assert leaks(f"{LEAD}: 2 lượt") == [LEAD]
    assert leaks("Kiểm tra quý IV (reported)") == ["reported"]
    assert leaks("Nhiệm vụ in_progress, hạn 20/12/2026") == ["in_progress"]
    assert leaks(f"{UNITS[LEAD]}: 2 lượt; kiểm tra (đã báo cáo kết quả)") == []


def test_d10_1d_the_monthly_account_names_urged_units_and_says_inspection_statuses_in_vietnamese(
    tmp_path: Path, bus_namespace: str
) -> None:
    with seeded_workflow(tmp_path, bus_namespace) as service:
        account = work_a_month(service)["account"]
    text = account["data"]["text"]
    assert f"   - {UNITS[LEAD]}: 2 lượt" in text
    assert "   - Kiểm tra việc thực hiện nhiệm vụ quý IV/2026 (đang kiểm tra)" in text
    assert account["data"]["figures"]["urged_units"] == {LEAD: 2}  # the figures keep the codes
    assert account["data"]["figures"]["unit_names"] == {LEAD: UNITS[LEAD]}
