"""A list of nested objects loaded by one load of their schema (marshmallow's Nested of many)
instead of one load each (a List of Nested), with the List's values and errors: a document's 20
tasks cost ~20 % less CPU to validate (bench/intake_path.py; tests/unit/test_intake_schemas.py
compares the two)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields


class ManyNested(fields.Nested):
    """`fields.List(fields.Nested(schema), **kwargs)`, loaded as `schema(many=True)`. A value that
    is not a list is refused as the List refuses it; a list holding a null is loaded by the List
    itself, which names the null ("Field may not be null.") where the schema would not."""

    def __init__(self, schema: type[Schema], **kwargs: Any) -> None:
        messages = {"type": fields.List.default_error_messages["invalid"]}
        super().__init__(schema, many=True, error_messages=messages, **kwargs)
        self._one_by_one = fields.List(fields.Nested(schema))

    def _deserialize(
        self,
        value: Any,
        attr: str | None,
        data: Mapping[str, Any] | None,
        partial: Any = None,
        **kwargs: Any,
    ) -> Any:
        if isinstance(value, list) and any(item is None for item in value):
            return self._one_by_one.deserialize(value, attr, data, partial=partial, **kwargs)
        return super()._deserialize(value, attr, data, partial=partial, **kwargs)
