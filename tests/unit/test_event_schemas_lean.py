"""The event schemas' lean fields (shared/event_schemas.py `_Lean`, `_String`) accept and refuse
exactly what marshmallow's own fields do, with the same messages: every field of every schema
and of the envelope, given values of every JSON kind, valid and not."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import Schema, ValidationError, validate
from marshmallow import fields as marshmallow_fields

from shared.event_schemas import SCHEMAS, _Lean, _String
from shared.events import _ENVELOPE

VALUES: list[Any] = [
    None,
    "",
    "SO_TC",
    "Rà soát",
    b"bytes",
    b"\xff",
    0,
    7,
    -1,
    1.5,
    True,
    False,
    [],
    ["a", "b"],
    [1, None],
    {},
    {"sub": "u1"},
    {"a": ["x", None]},
    "2026-12-01",
    "2026-12-01T09:30:00+07:00",
    "2026-12-01T09:30:00",
    "quarterly",
    "1.0",
    "12",
]
SCHEMAS_TO_CHECK: dict[str, Schema] = {**SCHEMAS, "(envelope)": _ENVELOPE}


def _outcome(schema: Schema, payload: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "loaded", schema.load(payload)
    except ValidationError as exc:
        return "refused", exc.messages


def _valid(field: marshmallow_fields.Field[Any]) -> Any:
    """A value the field accepts."""
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            return next(iter(validator.choices))
        if isinstance(validator, validate.Equal):
            return validator.comparable
        if isinstance(validator, validate.Regexp):
            return "01"
    if isinstance(field, marshmallow_fields.Nested):
        return _filled(field.schema)
    kinds: list[tuple[type, Any]] = [
        (marshmallow_fields.AwareDateTime, "2026-12-01T09:30:00+07:00"),
        (marshmallow_fields.Date, "2026-12-01"),
        (marshmallow_fields.Boolean, True),
        (marshmallow_fields.Integer, 3),
        (marshmallow_fields.List, ["a"]),
        (marshmallow_fields.Dict, {"k": ["v"]}),
    ]
    return next((value for kind, value in kinds if isinstance(field, kind)), "text")


def _filled(schema: Schema) -> dict[str, Any]:
    return {field.data_key or name: _valid(field) for name, field in schema.fields.items()}


def _outcomes() -> list[tuple[str, Any]]:
    found = []
    for schema in {type(s): s for s in SCHEMAS_TO_CHECK.values()}.values():
        base = _filled(schema)
        found.append(_outcome(schema, base))
        for name, field in schema.fields.items():
            key = field.data_key or name
            found.append(_outcome(schema, {k: v for k, v in base.items() if k != key}))
            for value in VALUES:
                found.append(_outcome(schema, {**base, key: value}))
            found.append(_outcome(schema, {**base, key: [base[key]]}))
    return found


def test_the_schemas_are_made_of_lean_fields() -> None:
    for schema in SCHEMAS_TO_CHECK.values():
        for field in schema.fields.values():
            assert isinstance(field, _Lean), field


def test_lean_fields_load_and_refuse_as_marshmallows_own() -> None:
    lean = _outcomes()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            _Lean, "_validate", lambda self, value: marshmallow_fields.Field._validate(self, value)
        )
        patch.setattr(_String, "deserialize", marshmallow_fields.String.deserialize)
        own = _outcomes()
    assert len(lean) == len(own) > 1000
    assert lean == own
    assert {kind for kind, _ in lean} == {"loaded", "refused"}


def test_what_is_compared_is_both_kinds_of_outcome() -> None:
    kinds = [kind for kind, _ in _outcomes()]
    assert kinds.count("loaded") > 300
    assert kinds.count("refused") > 1000
