"""RabbitMQ's CPU per event by how many events one confirmed round publishes: `task.accepted`
bodies of an action's size published as the outbox relay publishes them (`confirmed_together`,
`publish_event`) to a topic exchange bound, type by type, to two quorum queues (notify's and
reporting's subscriptions), nobody consuming. The broker's CPU is read from its process
(`beam.smp`, shared with anything else using it: run it on a quiet broker, several times).

    python -m bench.broker_rounds [--events 1200] [--per-round 1 2 4 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

from kombu.connection import Connection
from kombu.entity import Exchange, Queue, binding
from kombu.messaging import Producer

from bench.bus_path import _rabbitmq_cpu
from shared.bus import AmqpTransport, confirmed_together, publish_event
from shared.topology import SUBSCRIPTIONS

BODY = '{"data":"' + "x" * 700 + '"}'  # about an action's event


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.broker_rounds")
    parser.add_argument("--events", type=int, default=1200)
    parser.add_argument("--per-round", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    namespace = f"bench-rounds-{uuid.uuid4().hex[:8]}"
    connection = Connection(
        "amqp://guest:guest@127.0.0.1:5672//",
        transport=AmqpTransport,
        heartbeat=0,
        transport_options={"confirm_publish": True},
    )
    connection.connect()
    channel = connection.default_channel
    exchange = Exchange(f"{namespace}.events", type="topic", durable=True)
    exchange(channel).declare()
    queues = [
        Queue(
            f"{namespace}.{service}",
            bindings=[binding(exchange, routing_key=t) for t in SUBSCRIPTIONS[service]],
            durable=True,
            queue_arguments={"x-queue-type": "quorum"},
        )
        for service in ("notify", "reporting")
    ]
    for queue in queues:
        queue(channel).declare()
    producer = Producer(channel)
    spent: dict[int, list[float]] = {k: [] for k in args.per_round}
    try:
        for _ in range(args.rounds):
            for per_round in args.per_round:
                time.sleep(0.2)
                before = _rabbitmq_cpu()
                for _ in range(0, args.events, per_round):
                    with confirmed_together(producer):
                        for _ in range(per_round):
                            publish_event(
                                producer, exchange, "task.accepted", BODY, uuid.uuid4().hex
                            )
                spent[per_round].append((_rabbitmq_cpu() - before) * 1e6 / args.events)
                for queue in queues:
                    queue(channel).purge()
        for per_round, figures in spent.items():
            shown = ", ".join(f"{f:.0f}" for f in figures)
            print(
                f"{per_round} a round: RabbitMQ {statistics.median(figures):.0f} µs CPU per "
                f"event (median; runs {shown})"
            )
    finally:
        for queue in queues:
            channel.queue_delete(queue.name)
        channel.exchange_delete(exchange.name)
        connection.release()


if __name__ == "__main__":
    main()
