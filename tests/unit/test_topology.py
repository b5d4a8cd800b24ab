"""The bus topology: names, queue arguments, the retry path, and who subscribes to what."""

from __future__ import annotations

import pytest

from shared.events import SCHEMAS
from shared.topology import SUBSCRIPTIONS, Topology

TOPOLOGY = Topology(namespace="nv", retry_delays=(1, 10, 60))


def test_names_are_derived_from_the_namespace():
    assert TOPOLOGY.exchange_name == "nv.events"
    assert TOPOLOGY.queue_name("notify") == "nv.notify"
    assert TOPOLOGY.retry_queue_name("notify", 10) == "nv.notify.retry.10s"
    assert TOPOLOGY.dead_letter_queue_name("notify") == "nv.notify.dead"


def test_the_default_namespace_is_nhiemvu():
    assert Topology().exchange_name == "nhiemvu.events"


def test_the_exchange_is_a_durable_topic_exchange():
    exchange = TOPOLOGY.exchange()
    assert (exchange.name, exchange.type, exchange.durable) == ("nv.events", "topic", True)


def test_a_service_queue_is_bound_to_each_of_its_event_types_once():
    queue = TOPOLOGY.service_queue(
        "reporting", ["task.completed", "unit.updated", "unit.updated"], quorum=False
    )

    assert queue.name == "nv.reporting"
    assert queue.durable is True
    assert queue.auto_delete is False
    assert sorted(b.routing_key for b in queue.bindings) == ["task.completed", "unit.updated"]
    assert {b.exchange.name for b in queue.bindings} == {"nv.events"}


@pytest.mark.parametrize("quorum", [True, False])
def test_service_and_dead_letter_queues_are_quorum_queues_only_when_asked(quorum):
    service = TOPOLOGY.service_queue("notify", ["unit.updated"], quorum=quorum)
    dead = TOPOLOGY.dead_letter_queue("notify", quorum=quorum)

    expected = {"x-queue-type": "quorum"} if quorum else {}
    guard = (
        {
            "x-delivery-limit": 20,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": "nv.notify.dead",
        }
        if quorum
        else {}
    )
    assert (service.queue_arguments or {}) == expected | guard
    # The dead-letter queue has no delivery limit: listing it must never drop a message.
    assert (dead.queue_arguments or {}) == expected
    assert dead.name == "nv.notify.dead"
    assert dead.durable is True


def test_asking_for_quorum_queues_twice_does_not_share_the_arguments():
    first = TOPOLOGY.service_queue("notify", [], quorum=True)
    first.queue_arguments["x-max-length"] = 1
    assert TOPOLOGY.service_queue("notify", [], quorum=True).queue_arguments == {
        "x-queue-type": "quorum",
        "x-delivery-limit": 20,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": "nv.notify.dead",
    }


def test_a_queue_of_an_older_release_is_named_by_its_arguments_without_the_guard():
    legacy = TOPOLOGY.service_queue("notify", [], quorum=True, guarded=False)
    assert legacy.queue_arguments == {"x-queue-type": "quorum"}


def test_each_retry_queue_holds_messages_for_its_delay_then_sends_them_back_to_the_service():
    queues = TOPOLOGY.retry_queues("workflow")

    assert [q.name for q in queues] == [
        "nv.workflow.retry.1s",
        "nv.workflow.retry.10s",
        "nv.workflow.retry.60s",
    ]
    for queue, delay in zip(queues, (1, 10, 60), strict=True):
        assert queue.durable is True
        assert queue.queue_arguments == {
            "x-message-ttl": delay * 1000,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": "nv.workflow",
        }
        assert not queue.bindings


def test_retry_queues_follow_the_configured_delays():
    topology = Topology(namespace="nv", retry_delays=(0, 2))
    assert [q.queue_arguments["x-message-ttl"] for q in topology.retry_queues("notify")] == [
        0,
        2000,
    ]


# -- subscriptions against the services' handler tables ------------------------------------------
def _handler_tables() -> dict[str, set[str]]:
    from services.intake import handlers as intake
    from services.notify import handlers as notify
    from services.reporting import handlers as reporting
    from services.workflow import handlers as workflow

    return {
        "intake": set(intake.EVENT_HANDLERS),
        "workflow": set(workflow.event_handlers(object())),  # type: ignore[arg-type]
        "notify": set(notify.EVENT_HANDLERS),
        "reporting": set(reporting.EVENT_HANDLERS),
    }


def test_subscriptions_name_exactly_the_four_services():
    assert set(SUBSCRIPTIONS) == {"intake", "workflow", "notify", "reporting"}


@pytest.mark.parametrize("service", sorted(SUBSCRIPTIONS))
def test_each_service_subscribes_to_exactly_the_events_it_handles(service):
    # An event bound but not handled is dead-lettered; one handled but not bound never arrives.
    assert set(SUBSCRIPTIONS[service]) == _handler_tables()[service]


@pytest.mark.parametrize("service", sorted(SUBSCRIPTIONS))
def test_each_service_subscribes_to_each_event_type_once(service):
    assert len(SUBSCRIPTIONS[service]) == len(set(SUBSCRIPTIONS[service]))


def test_every_subscribed_event_type_has_a_schema():
    subscribed = {t for types in SUBSCRIPTIONS.values() for t in types}
    assert subscribed <= set(SCHEMAS)
