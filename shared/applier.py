"""Applying consumed events to a service's database: the inbox, batches, retries and dead letters.

Transport-free: the consumer hands over message bodies and headers and settles them as told.
A batch is applied in one transaction (one commit for many events, which is what makes a consumer
fast); if anything in it fails, the transaction is rolled back and the batch is applied again
one event at a time, so that one bad event is retried alone and the others are unaffected.
A lost database is not the event's fault: it raises `InfrastructureError` and uses up no retry.

A handler made with `batched(apply_many)` also takes a run of consecutive events of a batch at
once (`apply_many(uow, events)`, in the batch's transaction, after their inbox rows): it reads
what the events need in one statement and writes their rows in one, instead of a few round
trips per event. Alone (one event, or a batch applied one by one) it is called like any other.

Headers are as untrusted as bodies: an attempt header that is not a small non-negative integer
dead-letters its message with the reason (it is never raised into the consumer's loop, where it
would be redelivered for ever).
"""

from __future__ import annotations

import logging
import traceback
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, Table, bindparam, insert, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DisconnectionError, IntegrityError, InterfaceError, OperationalError

from shared.events import Event, EventError, parse_event
from shared.logs import correlation
from shared.metrics import EVENTS_CONSUMED
from shared.platform import ServicePlatform, UnitOfWork

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, Event], None]
ApplyMany = Callable[[UnitOfWork, list[Event]], None]
ATTEMPT_HEADER = "x-nhiemvu-attempt"
REASON_HEADER = "x-nhiemvu-death-reason"
INFRASTRUCTURE_ERRORS = (OperationalError, InterfaceError, DisconnectionError)
# More attempts than any retry schedule has: a larger attempt header is not one of ours.
MAX_ATTEMPT = 1000


class InfrastructureError(RuntimeError):
    """The database could not be reached or used; the messages must be redelivered later."""


class Settler(Protocol):
    def retry(self, body: bytes, headers: Mapping[str, Any], delay: int) -> None: ...

    def dead_letter(self, body: bytes, headers: Mapping[str, Any], reason: str) -> None: ...


@dataclass(frozen=True)
class Delivery:
    body: bytes
    headers: Mapping[str, Any]


class _AlreadyProcessed(Exception):
    pass


class BatchedHandler:
    """A handler that also applies a run of events at once; see the module's docstring. Runs of
    events whose handlers share one `apply_many` go to it together, whatever their types."""

    def __init__(self, apply_many: ApplyMany) -> None:
        self.apply_many = apply_many

    def __call__(self, uow: UnitOfWork, event: Event) -> None:
        self.apply_many(uow, [event])


def batched(apply_many: ApplyMany) -> BatchedHandler:
    return BatchedHandler(apply_many)


# `INSERT … ON CONFLICT DO NOTHING RETURNING event_id` into the inbox, by dialect, built once.
_CLAIMS: dict[tuple[str, int], Any] = {}


def _claim_statement(dialect: str, inbox: Table) -> Any:
    if dialect == "postgresql":
        # One fixed statement whatever the batch's size: the rows as two arrays. A multi-row
        # VALUES (SQLAlchemy's form of an insert of many rows returning) is a new text for each
        # size, which SQLAlchemy renders and psycopg parses anew at each batch (beyond 50
        # parameters psycopg does not even cache the parse), and is never prepared.
        return text(
            f"INSERT INTO {inbox.name} (event_id, event_type, processed_at) "
            "SELECT e.event_id, e.event_type, :now "
            "FROM unnest(CAST(:ids AS TEXT[]), CAST(:types AS TEXT[])) AS e(event_id, event_type) "
            "ON CONFLICT DO NOTHING RETURNING event_id"
        ).bindparams(bindparam("now", type_=inbox.c.processed_at.type))
    return sqlite_insert(inbox).on_conflict_do_nothing().returning(inbox.c.event_id)


def claim(conn: Connection, inbox: Table, events: Sequence[Event], now: Any) -> set[str]:
    """Insert the inbox rows of `events` that are not there yet, processed at `now`, one
    statement; returns the ids inserted (an id already processed, or committed meanwhile by
    another worker, is left out)."""
    dialect = conn.dialect.name
    key = (dialect, id(inbox))
    statement = _CLAIMS.get(key)
    if statement is None:
        statement = _CLAIMS[key] = _claim_statement(dialect, inbox)
    if dialect == "postgresql":
        parameters: Any = {
            "ids": [e.id for e in events],
            "types": [e.type for e in events],
            "now": now,
        }
    else:
        parameters = [{"event_id": e.id, "event_type": e.type, "processed_at": now} for e in events]
    return set(conn.scalars(statement, parameters))


def _runs(events: list[Event], handlers: Mapping[str, Handler]) -> list[list[Event]]:
    """Consecutive events split where the handler changes (batched: where `apply_many` does;
    others: at each event)."""
    runs: list[list[Event]] = []
    previous: object = None
    for event in events:
        handler = handlers[event.type]
        key = handler.apply_many if isinstance(handler, BatchedHandler) else None
        if key is not None and key is previous:
            runs[-1].append(event)
        else:
            runs.append([event])
        previous = key
    return runs


class EventApplier:
    def __init__(
        self, platform: ServicePlatform, handlers: Mapping[str, Handler], settler: Settler
    ) -> None:
        self.platform = platform
        self.handlers = dict(handlers)
        self.settler = settler
        self.retry_delays = platform.bus.topology.retry_delays
        # The consumed-events counter of each (type, outcome), looked up once.
        self._counters: dict[tuple[str, str], Any] = {}

    def apply_batch(self, deliveries: Sequence[Delivery]) -> list[str]:
        """Apply many deliveries, in one transaction when all goes well; outcomes in order."""
        if len(deliveries) == 1:
            return [self.apply_one(deliveries[0].body, deliveries[0].headers)]
        parsed: list[Event | None] = []
        for delivery in deliveries:
            try:
                event = None if header_problem(delivery.headers) else parse_event(delivery.body)
            except EventError:
                event = None
            parsed.append(event if event and event.type in self.handlers else None)
        if any(event is None for event in parsed) or len({e.id for e in parsed if e}) < len(parsed):
            return self._one_by_one(deliveries, parsed)
        events = [event for event in parsed if event is not None]
        try:
            outcomes = self._apply_together(events)
        except INFRASTRUCTURE_ERRORS as exc:
            raise InfrastructureError(str(exc)) from exc
        except Exception:
            log.info("a batch of %d failed; applying its events one by one", len(events))
            # Read again: a handler that ran before the failure may have touched its event.
            return [self.apply_one(d.body, d.headers) for d in deliveries]
        tally = Counter(zip((event.type for event in events), outcomes, strict=True))
        for (event_type, outcome), count in tally.items():
            self._count(event_type, outcome, count)
        return outcomes

    def _one_by_one(
        self, deliveries: Sequence[Delivery], parsed: Sequence[Event | None]
    ) -> list[str]:
        """A batch that no handler has seen applied one event at a time, each as the batch read
        it (a body is decoded and validated once)."""
        return [
            self.apply_one(d.body, d.headers, event)
            for d, event in zip(deliveries, parsed, strict=True)
        ]

    def apply_one(self, body: bytes, headers: Mapping[str, Any], event: Event | None = None) -> str:
        """Apply one delivery; returns applied, duplicate, retried or dead. `event` is the body
        already read (its headers checked, parsed, of a type with a handler), if it was."""
        if event is None:
            problem = header_problem(headers)
            if problem is not None:
                return self._dead(body, headers, f"unreadable header: {problem}", "malformed")
            try:
                event = parse_event(body)
            except EventError as exc:
                return self._dead(body, headers, f"malformed: {exc} {exc.errors}", "malformed")
            if event.type not in self.handlers:
                return self._dead(body, headers, f"no handler for {event.type}", event.type)
        with correlation(event.correlation_id):
            try:
                self._apply(event)
            except _AlreadyProcessed:
                log.info("duplicate event %s skipped", event.id)
                return self._count(event.type, "duplicate")
            except INFRASTRUCTURE_ERRORS as exc:
                raise InfrastructureError(str(exc)) from exc
            except Exception as exc:
                log.warning("handler for %s failed: %s", event.type, exc, exc_info=True)
                return self._count(event.type, self._retry_or_dead(body, headers, exc))
            log.info(
                "applied %s", event.type, extra={"event_id": event.id, "subject": event.subject}
            )
        return self._count(event.type, "applied")

    def _apply(self, event: Event) -> None:
        with self.platform.unit_of_work() as uow:
            try:
                uow.conn.execute(
                    insert(self.platform.tables.inbox).values(
                        event_id=event.id, event_type=event.type, processed_at=uow.now
                    )
                )
            except IntegrityError as exc:
                raise _AlreadyProcessed() from exc
            self.handlers[event.type](uow, event)

    def _apply_together(self, events: list[Event]) -> list[str]:
        inbox = self.platform.tables.inbox
        with self.platform.unit_of_work() as uow:
            # The inbox rows and which events are new, in one statement.
            inserted = claim(uow.conn, inbox, events, uow.now)
            fresh = [event for event in events if event.id in inserted]
            previous = None
            for run in _runs(fresh, self.handlers):
                first = run[0]
                if previous is not None and first.type != previous:
                    # What earlier handlers deferred is visible to a handler of another type.
                    uow.flush_inserts()
                previous = run[-1].type
                handler = self.handlers[first.type]
                if len(run) > 1 and isinstance(handler, BatchedHandler):
                    # Emits and audit records of a run would carry no one event's correlation
                    # id: a batched handler that emits or audits runs each event under its own
                    # (services/workflow/kinds/task.py, on_tasks_released).
                    handler.apply_many(uow, run)
                    for event in run if log.isEnabledFor(logging.INFO) else ():
                        with correlation(event.correlation_id):
                            _log_applied(event)
                else:
                    with correlation(first.correlation_id):
                        handler(uow, first)
                        _log_applied(first)
        return ["applied" if event.id in inserted else "duplicate" for event in events]

    def _retry_or_dead(self, body: bytes, headers: Mapping[str, Any], exc: Exception) -> str:
        attempt = read_attempt(headers)
        if attempt is None:  # checked before applying; kept here so that nothing can raise
            self.settler.dead_letter(body, headers, f"unreadable header {ATTEMPT_HEADER}")
            return "dead"
        if attempt >= len(self.retry_delays):
            reason = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            self.settler.dead_letter(body, headers, f"handler failed {attempt + 1} times: {reason}")
            return "dead"
        self.settler.retry(
            body, {**headers, ATTEMPT_HEADER: attempt + 1}, self.retry_delays[attempt]
        )
        return "retried"

    def _dead(self, body: bytes, headers: Mapping[str, Any], reason: str, kind: str) -> str:
        self.settler.dead_letter(body, headers, reason)
        return self._count(kind, "dead")

    def _count(self, event_type: str, outcome: str, count: int = 1) -> str:
        counter = self._counters.get((event_type, outcome))
        if counter is None:
            counter = self._counters[event_type, outcome] = EVENTS_CONSUMED.labels(
                self.platform.service, event_type, outcome
            )
        counter.inc(count)
        return outcome


def _log_applied(event: Event) -> None:
    log.info("applied %s", event.type, extra={"event_id": event.id, "subject": event.subject})


def read_attempt(headers: Mapping[str, Any]) -> int | None:
    """The attempt header as a number (0 when absent), or None when it is not one of ours."""
    value = headers.get(ATTEMPT_HEADER, 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= MAX_ATTEMPT else None


def header_problem(headers: Any) -> str | None:
    """Why a message's headers cannot be trusted, or None when they can."""
    if not isinstance(headers, Mapping):
        return f"headers are {type(headers).__name__}, not a table"
    if read_attempt(headers) is None:
        shown = repr(headers.get(ATTEMPT_HEADER))[:100]
        return f"{ATTEMPT_HEADER} is {shown}, not an attempt number 0..{MAX_ATTEMPT}"
    return None
