"""The bus topology, in one place: exchange, per-service queues, retry path and dead letters.

    domain events ──► <ns>.events (topic, durable) ──routing key = event type──► <ns>.<service>
    handler fails ──► <ns>.<service>.retry.<d>s (TTL d s) ──dead-letters back──► <ns>.<service>
    gives up / malformed ──► <ns>.<service>.dead  (headers say why)
    notify republishes the public types ──► <ns>.public (topic, durable) ──► agencies' own queues

Service queues and dead-letter queues are quorum queues on RabbitMQ; retry queues are classic
queues whose only job is to hold a message for its delay. A service queue has a delivery limit
(`x-delivery-limit`) as the last guard against a message that keeps coming back unacknowledged
(a consumer that dies on it, say): past the limit RabbitMQ moves it to the dead-letter queue
itself. The dead-letter queue has no limit, so that listing it (which returns what it reads)
never drops anything. Queues declared before the limit existed keep their arguments (RabbitMQ
refuses to change them): deploy/README.md says how an operator moves them over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kombu.entity import Exchange, Queue, binding

from shared.event_schemas import (
    EXCHANGE_EVENT_TYPES,
    FEEDBACK_EVENT_TYPES,
    INSPECTION_EVENT_TYPES,
    INSPECTION_PLAN_EVENT_TYPES,
    UNIT_INSPECTION_EVENT_TYPES,
    UNIT_REPORT_EVENT_TYPES,
)
from shared.events import CASE_EVENT_TYPES, TASK_EVENT_TYPES

QUORUM = {"x-queue-type": "quorum"}
# Deliveries of one message before RabbitMQ gives up on it (retries through the TTL queues are new
# messages and do not count; a redelivery after a lost connection or a killed consumer does).
DELIVERY_LIMIT = 20


# Reporting counts ad-hoc information requests in each unit's figures (Đ8.1d, Đ9.2).
INFO_REQUEST_EVENT_TYPES = tuple(t for t in EXCHANGE_EVENT_TYPES if t.startswith("info_request."))

# Reporting keeps facts of inspections (the Working Group's and units' own) and feedback for the
# Office's annual report (Đ20.1): the steps that change what it counts, not the reminders.
INSPECTION_FACT_TYPES = tuple(
    t
    for t in (*INSPECTION_EVENT_TYPES, *UNIT_INSPECTION_EVENT_TYPES)
    if t.split(".", 1)[1]
    in (
        "plan_submitted",
        "plan_approved",
        "opened",
        "finished",
        "reported",
        "presented",
        "cancelled",
    )
)
FEEDBACK_FACT_TYPES = tuple(
    t for t in FEEDBACK_EVENT_TYPES if not t.endswith(("due_soon", "overdue"))
)
ANNUAL_REPORT_FACT_TYPES = (
    *INSPECTION_FACT_TYPES,
    *INSPECTION_PLAN_EVENT_TYPES,
    *FEEDBACK_FACT_TYPES,
    "annual_report.submitted",
    "annual_report.published",
)

# Which event types each service's queue receives. Every process declares the whole topology
# before it publishes, so an event is never dropped because its consumer has not started yet.
SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    # Intake tells the document system when a task is completed (Đ3.2), and keeps the units each
    # task is handed on to (Đ8.2c; a transfer's task.corrected ends them): they read its document.
    "intake": ("task.completed", "task.handed_on", "task.corrected"),
    "workflow": (
        "unit.updated",
        "task.released",
        "task.amended",
        "task.transferred",
        "task.withdrawn_by_office",
    ),
    "notify": (
        "unit.updated",
        *TASK_EVENT_TYPES,
        "task.transferred",
        "report.published",
        "document.task_reported",
        "document.status_changed",  # delivered to the document system (Đ3.2)
        *CASE_EVENT_TYPES,
    ),
    "reporting": (
        "unit.updated",
        "document.released",
        *TASK_EVENT_TYPES,
        *INFO_REQUEST_EVENT_TYPES,
        *UNIT_REPORT_EVENT_TYPES,  # which units reported, late or not at all (Đ18.1)
        # The Office's evaluation: each submission's text, and its publication (Đ16.2)
        "office_report.submitted",
        "office_report.published",
        # The Office's annual report on this regulation (Đ20.1): inspections and their
        # conclusions, the year's inspection plans, feedback handled, and the report itself
        *ANNUAL_REPORT_FACT_TYPES,
    ),
}

# The event types agencies may read on the public exchange (docs/contracts.md, Events for
# agencies), documented in deploy/asyncapi.yaml. Notify subscribes to each of them and republishes
# it, once.
PUBLIC_FEED_EVENT_TYPES: tuple[str, ...] = (
    "task.assigned",
    "task.accepted",
    "task.result_submitted",
    "task.completed",
    "task.rework_requested",
    "task.overdue",
    "task.withdrawn",
    "task.extension_decided",
    "report.published",
)


@dataclass(frozen=True)
class Topology:
    namespace: str = "nhiemvu"
    retry_delays: tuple[int, ...] = (1, 10, 60)
    delivery_limit: int = DELIVERY_LIMIT

    @property
    def exchange_name(self) -> str:
        return f"{self.namespace}.events"

    def exchange(self) -> Exchange:
        return Exchange(self.exchange_name, type="topic", durable=True)

    @property
    def public_exchange_name(self) -> str:
        return f"{self.namespace}.public"

    def public_exchange(self) -> Exchange:
        """The feed for agencies: structured CloudEvents of PUBLIC_FEED_EVENT_TYPES only."""
        return Exchange(self.public_exchange_name, type="topic", durable=True)

    def queue_name(self, service: str) -> str:
        return f"{self.namespace}.{service}"

    def retry_queue_name(self, service: str, delay: int) -> str:
        return f"{self.namespace}.{service}.retry.{delay}s"

    def dead_letter_queue_name(self, service: str) -> str:
        return f"{self.namespace}.{service}.dead"

    def service_queue(
        self, service: str, event_types: Iterable[str], *, quorum: bool, guarded: bool = True
    ) -> Queue:
        """The service's queue; `guarded=False` gives the arguments of a queue declared before
        the delivery limit (what an upgraded deployment may still have)."""
        exchange = self.exchange()
        arguments: dict[str, object] | None = None
        if quorum:
            arguments = dict(QUORUM)
            if guarded:
                arguments |= {
                    "x-delivery-limit": self.delivery_limit,
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": self.dead_letter_queue_name(service),
                }
        return Queue(
            self.queue_name(service),
            bindings=[binding(exchange, routing_key=t) for t in sorted(set(event_types))],
            durable=True,
            auto_delete=False,
            queue_arguments=arguments,
        )

    def retry_queues(self, service: str) -> list[Queue]:
        return [
            Queue(
                self.retry_queue_name(service, delay),
                durable=True,
                auto_delete=False,
                queue_arguments={
                    "x-message-ttl": delay * 1000,
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": self.queue_name(service),
                },
            )
            for delay in self.retry_delays
        ]

    def dead_letter_queue(self, service: str, *, quorum: bool) -> Queue:
        return Queue(
            self.dead_letter_queue_name(service),
            durable=True,
            auto_delete=False,
            queue_arguments=dict(QUORUM) if quorum else None,
        )
