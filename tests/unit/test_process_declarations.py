"""What each diagram declares agrees with what the rest of the system says of it: for every
process in bpmn/, its actions have their Vietnamese labels, their request schemas and their events;
every event it publishes or announces is a declared event type with a schema, a notify rule (or is
named below as one nobody is mailed about) and both e-mail templates (text and HTML); every timer
notice has its history label. A diagram, a label table, a schema table or the notify rules changed
alone fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.notify import domain as notify
from services.notify.mailer import TEMPLATES
from services.workflow import domain as task_domain
from services.workflow import schemas as task_schemas
from services.workflow.app import create_service
from services.workflow.cases import CaseKind
from services.workflow.exchanges import OPENER_LABELS
from services.workflow.kinds import case_kinds
from services.workflow.kinds.task import OPENERS
from shared.auth import OFFICE, UNIT_OFFICER, Principal
from shared.event_schemas import SCHEMAS as EVENT_SCHEMAS
from shared.events import CASE_EVENT_TYPES, TASK_EVENT_TYPES

BPMN = Path(__file__).parents[2] / "bpmn"
KINDS = case_kinds()

# Who opens cases about a task: the Office and a unit's officer.
PRINCIPALS = (
    Principal(sub="office", name="Văn phòng", unit=None, roles=frozenset({OFFICE})),
    Principal(sub="officer", name="Cán bộ", unit="SO_TC", roles=frozenset({UNIT_OFFICER})),
)

# Events no rule mails anyone about, and why.
NOT_MAILED = {
    "task.accepted": "the unit accepted its own task: the Office sees it in its lists",
    "task.progress_reported": "progress is read in the task, the Office is not mailed for each",
}


def _declared(tmp_path: Path, process_id: str) -> tuple[set[str], set[str]]:
    service = create_service({"DATA_DIR": str(tmp_path)})
    model = service.engine.parse((BPMN / f"{process_id}.bpmn").read_bytes(), process_id, 1)
    actions, notices = service.engine.declared(model)
    return {action for action, _role in actions}, set(notices)


def _templates_of(event_type: str) -> set[str]:
    return {
        suffix
        for suffix in ("txt", "html")
        if (TEMPLATES / "email" / f"{event_type}.{suffix}.j2").is_file()
    }


def _published(event_types: set[str], known: frozenset[str] | tuple[str, ...]) -> None:
    for event_type in sorted(event_types):
        assert event_type in known, f"{event_type} is not a declared event type"
        assert event_type in EVENT_SCHEMAS, f"{event_type} has no event schema"
        if event_type in NOT_MAILED:
            assert event_type not in notify.RULES, f"{event_type} is mailed after all"
            continue
        assert event_type in notify.RULES, f"{event_type} has no notify rule"
        assert _templates_of(event_type) == {"txt", "html"}, f"{event_type}: both templates"


def test_the_task_lifecycle_declares_what_labels_schemas_events_and_notify_know(
    tmp_path: Path,
) -> None:
    actions, notices = _declared(tmp_path, "task_lifecycle")
    assert actions == set(task_domain.ACTION_LABELS)
    assert actions == set(task_schemas.ACTION_SCHEMAS)
    assert actions == set(task_domain.ACTION_EVENTS)
    for notice in notices:
        action = task_domain.NOTICE_ACTIONS.get(notice, notice.removeprefix("task."))
        assert action in task_domain.NOTICE_LABELS, f"{notice}: no history label"
    _published(set(task_domain.ACTION_EVENTS.values()) | notices, TASK_EVENT_TYPES)


def test_the_cases_a_task_offers_to_open_agree_with_their_openers_labels_and_kinds(
    tmp_path: Path,
) -> None:
    """`opens.<role>` in the task's diagram (Đ7.1, Đ7.2b, Đ8.1b): each is a registered opener with
    its label, request schema and the case kind it opens, whose `task_action` names it."""
    service = create_service({"DATA_DIR": str(tmp_path)})
    path = BPMN / "task_lifecycle.bpmn"
    model = service.engine.parse(path.read_bytes(), "task_lifecycle", 1)
    opened = {action for action, _role in service.engine.openings(model)}
    assert opened == set(OPENERS) == set(OPENER_LABELS)
    named = set()
    for opener in OPENERS.values():
        task_action = KINDS[opener.kind].task_action
        assert task_action is not None, f"{opener.kind}: opened from a task, no task_action"
        named.update(task_action(who) for who in PRINCIPALS)
    assert named == opened
    for other in BPMN.glob("*.bpmn"):  # only the task's diagram opens cases about a task
        if other.stem != "task_lifecycle":
            model = service.engine.parse(other.read_bytes(), other.stem, 1)
            assert service.engine.openings(model) == frozenset(), other.name


@pytest.mark.parametrize(
    "kind", sorted(KINDS.values(), key=lambda k: k.kind), ids=lambda kind: kind.kind
)
def test_each_case_diagram_declares_what_its_kind_labels_schemas_events_and_notify_know(
    tmp_path: Path, kind: CaseKind
) -> None:
    actions, notices = _declared(tmp_path, kind.process_id)
    assert actions == set(kind.actions), "the diagram's actions and the kind's labels"
    assert actions == set(kind.action_schemas), "the diagram's actions and their schemas"
    assert set(kind.events) <= actions | {"open"}, "an event for an action the diagram lacks"
    prefixes = {event_type.split(".", 1)[0] for event_type in kind.events.values()} or {kind.kind}
    for notice in notices:
        assert notice.split(".", 1)[0] in prefixes, f"{notice} is another kind's event"
        label = kind.action_label(kind.notice_action(notice))
        assert label != kind.notice_action(notice), f"{notice}: no history label"
    _published(set(kind.events.values()) | notices, CASE_EVENT_TYPES)
