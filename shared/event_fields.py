"""The marshmallow fields and schema base the event schemas are made of (shared/event_schemas.py):
marshmallow's own, without work that changes no outcome. Every event is still validated by
marshmallow's fields, field by field, with the same values passing and failing and the same
messages (tests/unit/test_event_schemas_lean.py, tests/unit/test_event_lean_schema.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from marshmallow import EXCLUDE, Schema, ValidationError, missing
from marshmallow import fields as marshmallow_fields
from marshmallow.error_store import ErrorStore
from marshmallow.validate import Validator


class _Lean:
    """Marshmallow's own field, without the validator chain it builds at every value when the
    field has no validator (`Field._validate` makes an `And` of the empty list each time): the
    same values pass and fail, ~15 % less CPU per event validated."""

    validators: list[Any]

    def _validate(self, value: Any) -> None:
        if self.validators:
            super()._validate(value)  # type: ignore[misc]


class _String(_Lean, marshmallow_fields.String):
    def deserialize(
        self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any
    ) -> Any:
        # A text is itself (String's `_deserialize` of a str), checked by the field's validators
        # if it has any: with no pre_load or post_load to run, what marshmallow returns or raises.
        if type(value) is str and not self.pre_load and not self.post_load:
            if self.validators:
                self._validate(value)
            return value
        return super().deserialize(value, attr, data, **kwargs)


class fields:  # read as marshmallow's `fields` by the schemas below and by events.py
    """The marshmallow fields the event schemas are made of."""

    String = _String

    class Boolean(_Lean, marshmallow_fields.Boolean):
        pass

    class Integer(_Lean, marshmallow_fields.Integer):
        pass

    class Date(_Lean, marshmallow_fields.Date):
        pass

    class AwareDateTime(_Lean, marshmallow_fields.AwareDateTime):
        pass

    class List(_Lean, marshmallow_fields.List[Any]):
        pass

    class Dict(_Lean, marshmallow_fields.Dict):
        pass

    class Nested(_Lean, marshmallow_fields.Nested):
        pass

    class Raw(_Lean, marshmallow_fields.Raw):
        pass


class LeanSchema(Schema):
    """Marshmallow's Schema, loading one mapping without what `Schema._deserialize` builds per
    field at every load (a getter closure, its keyword arguments, the dotted-path `set_value`):
    each field's own `deserialize` is called with the same arguments, its errors stored and its
    value kept alike. A load with `partial`, `many`, a non-mapping or a dotted attribute goes
    through marshmallow's own code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan = []
        for attr_name, field_obj in self.load_fields.items():
            field_name = field_obj.data_key if field_obj.data_key is not None else attr_name
            key = field_obj.attribute or attr_name
            plan.append((field_name, key, field_obj, _Settled.of(field_obj), _parsed(field_obj)))
        self._plan = plan
        self._plain = all("." not in key for _, key, _, _, _ in plan)
        self._known = frozenset(field_name for field_name, _, _, _, _ in plan)

    def _deserialize(
        self,
        data: Any,
        *,
        error_store: ErrorStore,
        many: bool = False,
        partial: Any = None,
        unknown: Any = None,
        index: Any = None,
    ) -> Any:
        if many or partial is not None or not self._plain or not isinstance(data, Mapping):
            return super()._deserialize(
                data,
                error_store=error_store,
                many=many,
                partial=partial,
                unknown=unknown,
                index=index,
            )
        index = index if self.opts.index_errors else None
        loaded = self.dict_class()
        for field_name, key, field_obj, settled, parsed in self._plan:
            value: Any = data.get(field_name, missing)
            if parsed is not None and type(value) is str:
                # A date or time this field read before: what it returned then (`_parsed`).
                found = parsed.get(value)
                if found is not None:
                    loaded[key] = found
                    continue
                text = value
                value, failed = _field_load(field_obj, value, field_name, data, error_store, index)
                if not failed:
                    if len(parsed) >= _PARSED_KEPT:
                        parsed.clear()
                    parsed[text] = value
                if value is not missing:
                    loaded[key] = value
                continue
            if settled is not None:
                # What `Field.deserialize` returns without any work of its own (`_Settled`).
                if value is None:
                    if settled.allow_none:
                        loaded[key] = None
                        continue
                elif value is missing:
                    if not settled.required:
                        default = settled.load_default
                        value = default() if callable(default) else default
                        if value is not missing:
                            loaded[key] = value
                        continue
                elif type(value) is settled.itself and (
                    not settled.validators or settled.passes(value)
                ):
                    if not settled.texts:
                        loaded[key] = value
                        continue
                    items = cast("list[Any]", value)
                    if all(type(item) is str for item in items):
                        loaded[key] = list(items)  # List builds a new list of its items
                        continue
            value, _failed = _field_load(field_obj, value, field_name, data, error_store, index)
            if value is not missing:
                loaded[key] = value
        if unknown != EXCLUDE:
            # What marshmallow does with keys no field reads (INCLUDE, RAISE): its own code, on
            # a mapping left with those keys only.
            known = self._known
            extra = {k: data[k] for k in data if k not in known}
            if extra:
                rest = super()._deserialize(
                    extra, error_store=error_store, partial=True, unknown=unknown, index=index
                )
                loaded.update(rest)
        return loaded


_PARSED_KEPT = 512  # texts a field keeps the date or time of, at most (then it starts afresh)


def _parsed(field_obj: Any) -> dict[str, Any] | None:
    """For a Date or an AwareDateTime with no validators and no pre_load or post_load: the texts
    it read and the date or time it returned for each, to return again for the same text (a
    batch's events share their time, a document's tasks their dates). Parsing a text depends on
    nothing but the text and the field, and a date or time is immutable; a text it refused is
    not kept, so it refuses it again, with its message."""
    if type(field_obj) not in (fields.Date, fields.AwareDateTime):
        return None
    if field_obj.validators or field_obj.pre_load or field_obj.post_load:
        return None
    return {}


class _Settled:
    """What a field's `deserialize` settles without work of its own, read once per schema: a
    null where the field allows it (None), a missing value where it is not required (its load
    default), and a value that is its own result (a text for a String, True or False for a
    Boolean of marshmallow's truth values, a list of texts for a List of Strings, copied) once
    the field's validators (and the Strings') pass it. The schema's
    load keeps it instead of calling the field (a call per field of every event); anything else,
    and any value a validator refuses, goes through the field, which gives its outcome and its
    message. Only for the fields above, with no pre_load or post_load of their own and only
    marshmallow's `Validator`s (which raise when they refuse)."""

    __slots__ = ("allow_none", "itself", "load_default", "required", "texts", "validators")

    def __init__(self, field_obj: Any, itself: type, *, texts: bool = False) -> None:
        self.allow_none = field_obj.allow_none
        self.required = field_obj.required
        self.load_default = field_obj.load_default
        self.itself = itself
        self.validators = tuple(field_obj.validators)
        self.texts = texts  # a list whose items are texts its inner String keeps as they are

    @classmethod
    def of(cls, field_obj: Any) -> _Settled | None:
        if field_obj.pre_load or field_obj.post_load:
            return None
        if not all(isinstance(v, Validator) for v in field_obj.validators):
            return None
        kind = type(field_obj)
        if kind is _String:
            return cls(field_obj, str)
        if kind is fields.Boolean and True in field_obj.truthy and False in field_obj.falsy:
            return cls(field_obj, bool)
        if kind is fields.List:
            inner = field_obj.inner
            if type(inner) is _String and not (
                inner.validators or inner.pre_load or inner.post_load
            ):
                return cls(field_obj, list, texts=True)
        return None

    def passes(self, value: Any) -> bool:
        try:
            for validator in self.validators:
                validator(value)
        except ValidationError:
            return False  # the field says why
        return True


def _field_load(
    field_obj: Any, value: Any, field_name: str, data: Any, error_store: ErrorStore, index: Any
) -> tuple[Any, bool]:
    """A field's `deserialize` as marshmallow's `_deserialize` calls it: the value, or its
    error stored and what the error held valid (else missing); and whether it failed."""
    try:
        return field_obj.deserialize(value, field_name, data), False
    except ValidationError as error:
        error_store.store_error(error.messages, field_name, index=index)  # type: ignore[no-untyped-call]
        return error.valid_data or missing, True
