"""A document's tasks load in one go (`schemas.DocumentIn.tasks`, a Nested of many): the same
values loaded and the same errors as a List of Nested, one load per task, for valid documents and
every kind of wrong `tasks`; and the document loads leanly (shared/event_fields.py) as by
marshmallow's own schema and fields."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import ValidationError, fields, validate

from services.intake import schemas
from tests.unit.test_event_lean_schema import _all_marshmallows_own

TASK = {
    "content": "Báo cáo tình hình",
    "lead_unit": "SO_TC",
    "coordinating_units": ["SO_XD"],
    "cadence": None,
    "due_on": "2026-03-31",
}
DOCUMENT = {
    "source_id": "qlvb-1",
    "number": "12/UBND-TH",
    "type": "cong_van",
    "assigned_by": "ubnd_tinh",
    "signer": {"name": "Người ký", "position": "Chủ tịch"},
    "issued_on": "2026-01-05",
    "summary": "Trích yếu",
}


class _OneLoadPerTask(schemas.DocumentIn):
    tasks = fields.List(
        fields.Nested(schemas.TaskIn), load_default=list, validate=validate.Length(max=500)
    )


def _outcome(schema: Any, body: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "loaded", schema.load(body)
    except ValidationError as exc:
        return "refused", exc.messages


TASKS: list[Any] = [
    [],
    [TASK],
    [TASK, {**TASK, "due_on": None, "cadence": "quarterly", "sector": "tai_chinh"}],
    [TASK] * 500,
    [TASK] * 501,
    "tasks",
    5,
    None,
    {"0": TASK},
    [None],
    [1, "x", [], TASK],
    [{}],
    [{**TASK, "cadence": "quarterly"}],
    [{**TASK, "due_on": None}],
    [{**TASK, "coordinating_units": ["SO_TC"]}],
    [{**TASK, "extra": 1}],
    [{**TASK, "lead_unit": 3, "due_on": "31/03/2026", "sector": "khong_co"}],
    [TASK, {**TASK, "content": ""}, {**TASK, "coordinating_units": "SO_XD"}],
]


@pytest.mark.parametrize("tasks", TASKS)
def test_tasks_load_as_one_load_per_task_would(tasks: Any) -> None:
    body = {**DOCUMENT, "tasks": tasks}
    assert _outcome(schemas.DocumentIn(), body) == _outcome(_OneLoadPerTask(), body)


def test_a_document_without_tasks_loads_as_before() -> None:
    assert _outcome(schemas.DocumentIn(), DOCUMENT) == _outcome(_OneLoadPerTask(), DOCUMENT)
    assert schemas.DocumentIn().load(DOCUMENT)["tasks"] == []


# Documents whose other fields are wrong in every way a field refuses, or missing, or unknown.
DOCUMENTS: list[Any] = [
    DOCUMENT,
    {**DOCUMENT, "release": True, "sector": "tai_chinh", "attachments": ["a.pdf"]},
    {**DOCUMENT, "number": "1", "type": "khac", "assigned_by": 5, "urgency": None},
    {**DOCUMENT, "signer": {"name": ""}, "issued_on": "2026-02-30", "summary": None},
    {**DOCUMENT, "signer": "Người ký", "secrecy": "mat", "release": "có", "sector": 1},
    {**DOCUMENT, "issued_on": "1899-12-31", "attachments": "a.pdf", "extra": True},
    {**DOCUMENT, "source_id": "", "number": None, "release": "true", "attachments": [None]},
    {key: value for key, value in DOCUMENT.items() if key not in ("number", "signer")},
    {},
]


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("tasks", TASKS[:4] + TASKS[-6:])
def test_a_document_loads_leanly_as_marshmallows_own_load(document: Any, tasks: Any) -> None:
    body = {**document, "tasks": tasks}
    lean = _outcome(schemas.DocumentIn(), body)
    with pytest.MonkeyPatch.context() as patch:
        _all_marshmallows_own(patch)
        own = _outcome(schemas.DocumentIn(), body)
    assert lean == own
