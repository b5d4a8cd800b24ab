"""Notify's consumer applies a run of task events at once (shared.applier.batched): the inbox
items, public feed rows, webhook and e-mail deliveries a batch leaves are those the same events
leave one at a time, with far fewer statements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select

from services.notify import outbound, store
from services.notify.feed import public_feed
from shared.applier import Delivery
from tests.integration.notifykit import NOW, auth, free_port, task_event

AGENCY = auth("agency", "BO_KHCN", sub="bo-khcn")


def prepare(service: Any) -> None:
    """An agency's webhook for two event types, and an e-mail address for SO_TC."""
    body = {
        "url": f"http://127.0.0.1:{free_port()}/hook",  # never called here
        "event_types": ["task.assigned", "task.completed"],
        "secret": "agency-hook-secret-0123456789",
    }
    assert (
        service.client.post("/api/notify/subscriptions", json=body, headers=AGENCY).status_code
        == 201
    )
    with service.runtime.platform.database.transaction() as conn:
        outbound.set_contact(conn, "SO_TC", "so-tc@example.gov.vn", NOW)


def left(service: Any) -> dict[str, list[Any]]:
    """What the events left, without generated ids, in a stable order."""
    with service.runtime.platform.database.read() as conn:
        items = [
            {k: v for k, v in row.items() if k != "id"}
            for row in conn.execute(select(store.inbox_items)).mappings()
        ]
        feed = [
            (row.event_id, row.body)
            for row in conn.execute(select(public_feed).order_by(public_feed.c.seq))
        ]
        sent = [
            {k: v for k, v in row.items() if k not in ("id", "target")}
            # A webhook's recipient is the subscription's id, which each harness draws anew.
            | ({"recipient": "subscription"} if row["channel"] == "webhook" else {})
            for row in conn.execute(select(outbound.deliveries)).mappings()
        ]
    return {"items": sorted(items, key=repr), "feed": feed, "deliveries": sorted(sent, key=repr)}


def statements(service: Any) -> list[int]:
    count = [0]
    sa_event.listen(
        service.runtime.platform.database.engine,
        "before_cursor_execute",
        lambda *_args: count.__setitem__(0, count[0] + 1),
    )
    return count


def test_a_batch_leaves_what_the_same_events_leave_one_at_a_time(
    make_notify: Callable[..., Any],
) -> None:
    smtp = free_port()  # nothing is sent here: deliveries are only queued
    one = make_notify("SO_TC", "SO_XD", "SO_YT", smtp_port=smtp)
    many = make_notify("SO_TC", "SO_XD", "SO_YT", smtp_port=smtp)
    for service in (one, many):
        prepare(service)
    bodies = [
        *(
            task_event("task.assigned", "assigned", lead_unit=u)
            for u in ("SO_TC", "SO_XD", "SO_YT")
        ),
        task_event("task.assigned", "assigned", lead_unit="SO_KHONG_CO", coordinating_units=[]),
        task_event("task.accepted", "in_progress"),
        task_event("task.completed", "completed", lead_unit="SO_XD"),
        *(task_event("task.assigned", "assigned") for _ in range(20)),
    ]
    for body in bodies:
        assert one.deliver(body) == "applied"
    issued = statements(many)
    outcomes = many.consumer.applier.apply_batch([Delivery(body, {}) for body in bodies])
    assert outcomes == ["applied"] * len(bodies)
    expected = left(one)
    assert left(many) == expected
    assert len(expected["items"]) > len(bodies)
    assert {row["channel"] for row in expected["deliveries"]} == {"webhook", "email"}
    assert len(expected["feed"]) == len(bodies)  # every one of these types is public
    # A few statements for the whole batch (inbox, names, items, feed, subscriptions, e-mail
    # look-ups per event, deliveries), not several per event.
    assert issued[0] < 4 * len(bodies)


def test_on_postgresql_a_batch_leaves_what_one_at_a_time_leaves_on_sqlite(
    make_notify: Callable[..., Any], pg_database_url: str
) -> None:
    """The feed rows and the subscriptions read in one statement on PostgreSQL
    (feed.record_and_subscriptions) leave what SQLite's two statements leave, in order."""
    smtp = free_port()
    one = make_notify("SO_TC", "SO_XD", smtp_port=smtp)
    many = make_notify("SO_TC", "SO_XD", smtp_port=smtp, NOTIFY_DATABASE_URL=pg_database_url)
    assert many.runtime.platform.database.engine.dialect.name == "postgresql"
    for service in (one, many):
        prepare(service)
    bodies = [
        task_event("task.assigned", "assigned", lead_unit="SO_TC"),
        task_event("task.progress_reported", "in_progress"),  # webhook-public, not on the feed
        task_event("task.completed", "completed", lead_unit="SO_XD"),
        *(task_event("task.assigned", "assigned") for _ in range(12)),
    ]
    for body in bodies:
        assert one.deliver(body) == "applied"
    deliveries = [Delivery(body, {}) for body in bodies]
    applier = many.consumer.applier
    assert applier.apply_batch(deliveries[:1]) == ["applied"]  # one event: the same path
    assert applier.apply_batch(deliveries[1:]) == ["applied"] * (len(bodies) - 1)
    assert applier.apply_batch(deliveries) == ["duplicate"] * len(bodies)
    assert left(many) == left(one)
    assert len(left(many)["feed"]) == len(bodies) - 1


def test_the_feed_and_subscriptions_statement_adds_a_row_once_and_reads_every_subscription(
    make_notify: Callable[..., Any], pg_database_url: str
) -> None:
    from services.notify import feed
    from shared.events import parse_event

    service = make_notify(NOTIFY_DATABASE_URL=pg_database_url)
    prepare(service)
    events = [parse_event(task_event("task.assigned", "assigned")) for _ in range(3)]
    database = service.runtime.platform.database
    with database.transaction() as conn:
        expected = outbound.list_subscriptions(conn, None)  # as SQLAlchemy reads them
        assert feed.record_and_subscriptions(conn, [], NOW, subscriptions=True) == expected
        read = feed.record_and_subscriptions(conn, events[:2], NOW, subscriptions=True)
        again = feed.record_and_subscriptions(conn, events[::-1], NOW, subscriptions=True)
        assert feed.record_and_subscriptions(conn, events, NOW, subscriptions=False) == []
    assert read == again == expected
    assert len(read) == 1 and read[0]["event_types"] == ["task.assigned", "task.completed"]
    assert read[0]["created_at"].utcoffset() is not None
    with database.read() as conn:
        rows = conn.execute(select(public_feed).order_by(public_feed.c.seq)).mappings().all()
    # Each event once; the third, new in the second call, after the first two.
    assert [row["event_id"] for row in rows] == [events[0].id, events[1].id, events[2].id]
    assert all(row["published_at"] is None for row in rows)
    assert {row["created_at"] for row in rows} == {NOW}
