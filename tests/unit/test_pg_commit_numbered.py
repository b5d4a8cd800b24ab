"""The statement sent with its COMMIT (shared/pg_commit.py) numbers psycopg's placeholders as
psycopg would: `%s` in the format psycopg picks, `%b` binary, `%%` a literal percent sign."""

from psycopg.adapt import PyFormat

from shared import pg_commit


def test_placeholders_are_numbered_in_order_with_their_formats():
    sql, formats = pg_commit._numbered("SELECT %s, %b, '%%' || %s WHERE x LIKE 'a%%'")
    assert sql == "SELECT $1, $2, '%' || $3 WHERE x LIKE 'a%'"
    assert formats == [PyFormat.AUTO, PyFormat.BINARY, PyFormat.AUTO]


def test_a_statement_is_converted_once():
    query = "SELECT %s AS once"
    assert pg_commit._numbered(query) is pg_commit._numbered(query)
