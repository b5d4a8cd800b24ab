"""Fields the kinds' request bodies share (marshmallow): a text people write, a unit's code."""

from __future__ import annotations

from marshmallow import fields, validate

TEXT_MAX = 10000

UNIT_CODE = validate.Regexp(
    r"^[A-Z0-9_]{1,40}$", error="Mã đơn vị gồm chữ in hoa không dấu, chữ số và dấu _."
)


def text(required: bool = True, maximum: int = TEXT_MAX) -> fields.String:
    """A text field: required and not empty, or optional (None when left out)."""
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=maximum))
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=maximum))
