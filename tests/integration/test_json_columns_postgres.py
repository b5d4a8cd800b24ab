"""PostgreSQL's JSON and JSONB values are read by shared/json_codec.py's `loads` (registered by
`make_engine` with psycopg): the values json.loads reads, through SQLAlchemy and on the driver."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from shared import json_codec
from shared.db import make_engine, rows_on_driver

pytestmark = pytest.mark.services

# jsonb writes 1e400 back as its 401 digits; json keeps the text as it came.
VALUES = [
    ('{"id": 123456789012345678901234567890, "n": [1.5, -0.0, 1e400]}', "jsonb"),
    ('[1e400, "\\ud800", 18446744073709551616]', "json"),
    ('{"actor": {"sub": "u1", "name": "Nguyễn Văn A"}, "units": ["SO_TC"], "note": null}', "jsonb"),
]


@pytest.fixture
def engine(pg_database_url: str) -> Iterator[Engine]:
    made = make_engine(pg_database_url, pool_size=1)
    try:
        yield made
    finally:
        made.dispose()


def test_the_connections_read_json_with_the_codec(engine: Engine) -> None:
    with engine.connect() as conn:
        adapters = conn.connection.driver_connection.adapters  # type: ignore[union-attr]
        for oid in (114, 3802):  # json, jsonb
            for binary in (0, 1):
                assert adapters.get_loader(oid, binary)._loads is json_codec.loads


@pytest.mark.parametrize(("value", "kind"), VALUES)
def test_json_columns_are_read_as_json_loads_reads_them(
    engine: Engine, value: str, kind: str
) -> None:
    with engine.connect() as conn:
        served = conn.execute(text(f"SELECT CAST(:v AS {kind})::text"), {"v": value}).scalar_one()
        expected = json.loads(served)
        read = conn.execute(text(f"SELECT CAST(:v AS {kind})"), {"v": value}).scalar_one()
        assert repr(read) == repr(expected)
        on_driver = rows_on_driver(conn, f"SELECT CAST(%(v)s AS {kind})", {"v": value})
        assert repr(on_driver[0][0]) == repr(expected)
