"""The audit trail's canonical JSON is written by one encoder built once (shared/audit.py): the
text `json.dumps` writes with the same settings, for every kind of value a record holds, and the
same refusals."""

import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from uuid import UUID

import pytest

from shared.audit import _json_default, canonical_json


class Colour(Enum):
    RED = "đỏ"


def dumps(value: object) -> str:
    return json.dumps(
        value,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
        default=_json_default,
    )


VALUES = [
    {"status": [None, "assigned"], "note": None},
    {"z": 1, "a": {"y": [1.5, 1e-05, 10**30, -0.0], "b": True}, "ă": 'Quyết định "số" 12\\'},
    {"ký_tự": "\x00\x1f\x7f\u2028😀", "rỗng": [], "đối_tượng": {}},
    {"at": datetime(2026, 12, 1, 9, 0, 0, 123, tzinfo=UTC), "on": date(2026, 12, 1)},
    {"tiền": Decimal("12.50"), "id": UUID(int=7), "màu": Colour.RED},
    [1, "hai", None, False],
    "chỉ một chuỗi",
]


@pytest.mark.parametrize("value", VALUES)
def test_the_encoder_built_once_writes_what_json_dumps_writes(value):
    assert canonical_json(value) == dumps(value)
    assert canonical_json(value) == canonical_json(value)  # no state kept between calls


@pytest.mark.parametrize("value", [{"x": math.nan}, {"x": math.inf}])
def test_numbers_json_cannot_write_are_refused_alike(value):
    with pytest.raises(ValueError):
        dumps(value)
    with pytest.raises(ValueError):
        canonical_json(value)


def test_values_of_other_types_are_refused_alike():
    with pytest.raises(TypeError, match="audit record"):
        canonical_json({"x": object()})
    with pytest.raises(ValueError):  # a circular reference
        loop: list = []
        loop.append(loop)
        canonical_json(loop)
