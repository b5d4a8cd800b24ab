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
