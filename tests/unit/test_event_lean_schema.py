"""The event schemas' lean load (shared/event_fields.py `LeanSchema`) gives what marshmallow's
own `Schema._deserialize` gives: the same data loaded, the same errors, for every schema and the
envelope, valid and invalid values, missing and unknown keys, nested and partial loads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from marshmallow import INCLUDE, RAISE, Schema, ValidationError
from marshmallow.fields import Field, String

from shared.event_fields import LeanSchema, _Lean, _String
from shared.event_schemas import SCHEMAS
from shared.events import _CALLERS_PART, _ENVELOPE, encode, make_event, parse_event
from tests.unit.test_event_schemas_lean import SCHEMAS_TO_CHECK, _filled, _outcomes


def _load(schema: Schema, payload: Any, **kwargs: Any) -> tuple[str, Any]:
    try:
        return "loaded", schema.load(payload, **kwargs)
    except ValidationError as exc:
        return "refused", exc.messages


def _odd_loads() -> list[tuple[str, Any]]:
    """Loads off the lean path or at its edges: unknown keys kept, refused or dropped, a
    payload that is not a mapping, a partial load, many at once."""
    found = []
    for schema in [*SCHEMAS_TO_CHECK.values(), _CALLERS_PART]:
        base = _filled(schema)
        extra = {**base, "zz_unknown": 1, "aa_unknown": [None]}
        for unknown in (INCLUDE, RAISE, None):
            found.append(_load(schema, extra, unknown=unknown))
        found.append(_load(schema, ["not", "a", "mapping"]))
        found.append(_load(schema, "text"))
        found.append(_load(schema, {}, partial=True))
        found.append(_load(schema, {}))
        found.append(_load(schema, [base, {}], many=True))
    return found


def _all_marshmallows_own(patch: pytest.MonkeyPatch) -> None:
    """Marshmallow's own schema load and fields, none of the lean shortcuts."""
    patch.setattr(LeanSchema, "_deserialize", Schema._deserialize)
    patch.setattr(_Lean, "_validate", lambda self, value: Field._validate(self, value))
    patch.setattr(_String, "deserialize", String.deserialize)


def test_the_event_schemas_load_leanly() -> None:
    for schema in [*SCHEMAS.values(), _ENVELOPE, _CALLERS_PART]:
        assert isinstance(schema, LeanSchema), schema


def test_lean_schemas_load_and_refuse_as_marshmallows_own() -> None:
    lean = _outcomes() + _odd_loads()
    with pytest.MonkeyPatch.context() as patch:
        _all_marshmallows_own(patch)
        own = _outcomes() + _odd_loads()
    assert len(lean) == len(own) > 1000
    assert lean == own
    assert {kind for kind, _ in lean} == {"loaded", "refused"}


def _round_trip() -> tuple[dict[str, Any], Any]:
    data = _filled(SCHEMAS["task.assigned"])
    at = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)
    made = make_event(
        "task.assigned", data, source="/t", time=at, subject="s", correlation_id="c", event_id="e"
    )
    return made, parse_event(encode(made))


def test_an_event_made_and_parsed_is_the_same_either_way() -> None:
    lean = _round_trip()
    with pytest.MonkeyPatch.context() as patch:
        _all_marshmallows_own(patch)
        own = _round_trip()
    assert lean == own
    assert lean[1].data["task_id"] == "text"


def test_dates_and_times_read_again_load_and_refuse_as_the_first_time() -> None:
    """A Date's or an AwareDateTime's text read before is given what the field returned then
    (`_parsed`); a text it refused is refused again with its message."""
    first = _outcomes() + _odd_loads()
    again = _outcomes() + _odd_loads()  # every date and time text seen before
    with pytest.MonkeyPatch.context() as patch:
        _all_marshmallows_own(patch)
        own = _outcomes() + _odd_loads()
    assert first == again == own
    parsed = [p for _, _, _, _, p in SCHEMAS["task.assigned"]._plan if p is not None]
    assert len(parsed) >= 3 and all(parsed)  # due_on, assigned_on, occurred_at, …
    for _ in range(2):  # a naive time, refused each time
        naive = {**_filled(_CALLERS_PART), "time": "2026-12-01T09:30:00"}
        assert _load(_CALLERS_PART, naive) == ("refused", {"time": ["Not a valid aware datetime."]})


def test_a_field_keeps_a_bounded_number_of_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    import shared.event_fields as event_fields

    monkeypatch.setattr(event_fields, "_PARSED_KEPT", 3)
    schema = SCHEMAS["task.assigned"]
    (due,) = [p for name, _, _, _, p in schema._plan if name == "due_on"]
    due.clear()  # what other tests of this process left
    for day in range(1, 11):
        text = f"2026-12-{day:02d}"
        loaded = schema.load({**_filled(schema), "due_on": text})
        assert loaded["due_on"].day == day and len(due) <= 3
