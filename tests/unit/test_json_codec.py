"""JSON by orjson where it reads and writes what the standard library does, by the standard library
elsewhere (shared/json_codec.py): each value compared with json's own result."""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import uuid
from collections import OrderedDict
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import json_codec
from shared.http_responses import _json_default, json_response

# Texts json reads otherwise than orjson would, or that orjson refuses.
READ_OTHERWISE = [
    "NaN",
    "[Infinity, -Infinity]",
    "1e400",
    "-1e400",
    "1" + "0" * 400,  # how PostgreSQL's jsonb writes 1e400 back
    "18446744073709551616",  # 2**64: a float for orjson
    "-9223372036854775809",  # below -2**63
    '{"id": 123456789012345678901234567890}',
    '"\\ud800"',
    '{"\\udc00": 1}',
]
READ_ALIKE = [
    '{"a": 1, "a": 2}',
    "-0",
    "-0.0",
    "1E2",
    "0.1",
    "4.9e-324",
    "1e-400",
    "1.7976931348623157e308",
    "18446744073709551615",
    "-9223372036854775808",
    '"\\ud83d\\ude00 Rà soát \\u0000"',
    '{"actor": {"sub": "u1", "name": "Nguyễn Văn A"}, "units": ["SO_TC"], "note": null}',
    "[" * 300 + "]" * 300,
]
REFUSED = ["", "  ", "[1,]", "01", "[1]x", '"a\x01b"', "nul", "\ufeff[1]"]


def _same(read: Any, expected: Any) -> None:
    """The same value of the same types (1 is not 1.0, -0.0 is not 0.0, NaN is NaN)."""
    assert repr(read) == repr(expected)


@pytest.mark.parametrize("text", READ_OTHERWISE + READ_ALIKE)
@pytest.mark.parametrize("as_bytes", [False, True])
def test_loads_reads_what_json_reads(text: str, as_bytes: bool) -> None:
    data: str | bytes = text.encode("utf-8", "surrogatepass") if as_bytes else text
    _same(json_codec.loads(data), json.loads(data))


@pytest.mark.parametrize("text", READ_OTHERWISE)
def test_what_orjson_reads_otherwise_is_read_by_json(text: str) -> None:
    try:
        by_orjson: Any = orjson.loads(text)
    except orjson.JSONDecodeError:
        return  # refused: the fallback is what reads it (test above)
    assert repr(by_orjson) != repr(json.loads(text))  # the case the digit check is for
    _same(json_codec.loads(text), json.loads(text))


def test_bytes_json_alone_reads_go_to_json() -> None:
    """UTF-16 and UTF-32 bytes and a UTF-8 byte order mark: json detects them, orjson refuses."""
    for data in (
        '{"a": "ư"}'.encode("utf-16"),
        "[1]".encode("utf-32-le"),
        b'\xef\xbb\xbf{"a": 1}',
    ):
        _same(json_codec.loads(data), json.loads(data))


@pytest.mark.parametrize("text", REFUSED)
def test_loads_refuses_what_json_refuses_with_its_error(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as raised:
        json_codec.loads(text)
    assert str(raised.value) == str(expected.value)


def test_nesting_json_cannot_read_is_still_its_recursion_error() -> None:
    with pytest.raises(RecursionError):
        json_codec.loads("[" * 100_000 + "]" * 100_000)


def test_invalid_utf8_is_json_s_unicode_error() -> None:
    with pytest.raises(UnicodeDecodeError):
        json_codec.loads(b'"\xff"')


def test_an_ordinary_value_is_read_by_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("json.loads called")

    monkeypatch.setattr(json_codec.json, "loads", refuse)
    for text in READ_ALIKE[:6]:
        _same(json_codec.loads(text.encode()), orjson.loads(text))


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.floats()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(JSON_VALUES, st.booleans())
def test_loads_reads_any_json_text_as_json_does(value: Any, as_bytes: bool) -> None:
    text = json.dumps(value, ensure_ascii=bool(as_bytes))
    data: str | bytes = text.encode("utf-8", "surrogatepass") if as_bytes else text
    _same(json_codec.loads(data), json.loads(data))


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False), st.integers(0, 30))
def test_numbers_are_read_to_the_same_bits(number: float, digits: int) -> None:
    for text in (repr(number), f"{number:.{digits}e}", f"{number:.{digits}f}"):
        _same(json_codec.loads(text), json.loads(text))


# dumps: the same JSON value as json.dumps(..., ensure_ascii=False, default=_json_default).


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    ONE = 1


class Text(str):
    pass


@dataclasses.dataclass
class Point:
    x: int


HANOI = timezone(timedelta(hours=7))
WRITTEN = [
    {"content": "Rà soát vốn đầu tư công “đợt 2”\n\ttab\x7f\u2028", "note": None, "n": [1, 2.5]},
    {"at": datetime(2026, 12, 1, 9, 30, 15, 5, tzinfo=HANOI), "naive": datetime(2026, 12, 1)},
    {"on": date(2026, 12, 20), "time": time(8, 30, 0, 7), "utc": datetime(2026, 1, 1, tzinfo=UTC)},
    {"units": {"SO_XD", "SO_TC", "SO_YT"}, "frozen": frozenset({3, 1, 2}), "pair": (1, "a")},
    {"nan": math.nan},
    [math.inf, -math.inf],
    {"big": 2**64, "small": -(2**63) - 1},
    {2: "two", True: "yes", None: "none", 2.5: "float"},
    {"level": Level.ONE},
    {"text": Text("t")},
    OrderedDict([("b", 1), ("a", 2)]),
    [[[[0]]]] * 3,
    {"deep": json.loads("[" * 300 + "]" * 300)},
    {"set of floats": {0.5, math.nan}},
    -0.0,
    1e16,
    "",
]


@pytest.mark.parametrize("value", WRITTEN)
def test_dumps_writes_the_value_json_writes(value: Any) -> None:
    body = json_codec.dumps(value, _json_default)
    expected = json.dumps(value, ensure_ascii=False, default=_json_default)
    _same(json.loads(body), json.loads(expected))


@pytest.mark.parametrize(
    ("value", "text"),
    [({"nan": math.nan}, b"NaN"), ([math.inf], b"Infinity"), ({"x": {0.5, -math.inf}}, b"-Inf")],
)
def test_non_finite_floats_are_written_by_json(value: Any, text: bytes) -> None:
    """orjson would write them as null."""
    assert text in json_codec.dumps(value, _json_default)


@pytest.mark.parametrize(
    "value", [{"id": uuid.uuid4()}, [Colour.RED], {"p": Point(1)}, timedelta(1)]
)
def test_what_json_refuses_is_still_refused(value: Any) -> None:
    """orjson writes a UUID, an enum and a dataclass itself; json asks `default`, which refuses."""
    with pytest.raises(TypeError):
        json.dumps(value, default=_json_default)
    with pytest.raises(TypeError):
        json_codec.dumps(value, _json_default)


def test_a_value_holding_itself_is_json_s_error() -> None:
    looped: list[Any] = []
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular reference"):
        json_codec.dumps({"loop": looped}, _json_default)


def test_a_lone_surrogate_cannot_be_written_as_utf8() -> None:
    with pytest.raises(UnicodeEncodeError):
        json_codec.dumps({"x": "\ud800"}, _json_default)


def test_an_ordinary_answer_is_compact_utf8_by_orjson() -> None:
    answer = {"status_label": "Đang thực hiện", "history": [{"at": date(2026, 12, 1)}], "x": None}
    body = json_codec.dumps(answer, _json_default)
    assert body == orjson.dumps(answer, option=orjson.OPT_PASSTHROUGH_DATETIME, default=str)
    assert (
        body
        == '{"status_label":"Đang thực hiện","history":[{"at":"2026-12-01"}],"x":null}'.encode()
    )


@settings(max_examples=400, deadline=None)
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.floats()
        | st.integers(min_value=-(2**80), max_value=2**80)
        | st.text()
        | st.datetimes(timezones=st.none() | st.timezones())
        | st.dates()
        | st.frozensets(st.integers(), max_size=3),
        lambda children: (
            st.lists(children, max_size=4)
            | st.tuples(children, children)
            | st.dictionaries(st.text() | st.integers(), children, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_dumps_writes_any_value_as_json_does(value: Any) -> None:
    try:
        expected = json.dumps(value, ensure_ascii=False, default=_json_default)
    except ValueError:  # json refuses a text with a lone surrogate only when encoding it
        return
    try:
        body = json_codec.dumps(value, _json_default)
    except UnicodeEncodeError:
        assert any("\ud800" <= c <= "\udfff" for c in expected)
        return
    _same(json.loads(body), json.loads(expected))


def test_json_response_answers_compact_utf8_json() -> None:
    response = json_response({"title": "Không tìm thấy", "when": date(2026, 12, 1)}, 404)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_data() == '{"title":"Không tìm thấy","when":"2026-12-01"}'.encode()
