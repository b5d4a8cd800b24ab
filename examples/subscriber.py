"""A small subscriber to the public event feed of "Nhiệm vụ" (see deploy/asyncapi.yaml).

    python examples/subscriber.py --url amqp://guest:guest@localhost:5672/ \\
        --exchange nhiemvu.public --binding 'task.#' --count 5

It declares a server-named exclusive queue, binds it to the public topic exchange with the given
binding key (routing key = CloudEvent type), prints each CloudEvent and exits after --count
messages (0: run until interrupted). Only pika is needed. An event may, rarely, arrive twice
with the same id: a subscriber that must not act twice remembers the ids it has seen.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import pika

LABELS = {
    "task.assigned": "Giao nhiệm vụ",
    "task.accepted": "Đơn vị tiếp nhận nhiệm vụ",
    "task.result_submitted": "Đơn vị báo cáo kết quả",
    "task.completed": "Nhiệm vụ hoàn thành",
    "task.rework_requested": "Yêu cầu thực hiện lại",
    "task.overdue": "Nhiệm vụ quá hạn",
    "task.withdrawn": "Nhiệm vụ bị thu hồi",
    "task.extension_decided": "Quyết định gia hạn",
    "report.published": "Công bố báo cáo",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Nhận sự kiện công khai của hệ thống Nhiệm vụ.")
    parser.add_argument("--url", default="amqp://guest:guest@localhost:5672/%2F")
    parser.add_argument("--exchange", default="nhiemvu.public")
    parser.add_argument("--binding", action="append", help="binding key, e.g. 'task.#'")
    parser.add_argument("--count", type=int, default=0, help="exit after N messages (0: never)")
    return parser.parse_args(argv)


def describe(event: dict[str, Any]) -> str:
    event_type = str(event.get("type", "?"))
    label = LABELS.get(event_type, event_type)
    return (
        f"[{event.get('time', '?')}] {label} ({event_type}) — "
        f"đối tượng: {event.get('subject') or '-'} — mã sự kiện: {event.get('id', '?')}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    connection = pika.BlockingConnection(pika.URLParameters(args.url))
    channel = connection.channel()
    # The exchange belongs to the province: check it exists rather than create it.
    channel.exchange_declare(args.exchange, exchange_type="topic", durable=True, passive=True)
    queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
    for key in args.binding or ["#"]:
        channel.queue_bind(queue, args.exchange, routing_key=key)
    print(f"Đang chờ sự kiện trên {args.exchange} ({', '.join(args.binding or ['#'])})...")
    sys.stdout.flush()

    received = 0
    try:
        for method, _properties, body in channel.consume(queue):
            try:
                print(describe(json.loads(body)))
            except ValueError:
                print(f"Bỏ qua một thông điệp không phải JSON ({len(body)} byte).")
            sys.stdout.flush()
            channel.basic_ack(method.delivery_tag)
            received += 1
            if args.count and received >= args.count:
                break
    except KeyboardInterrupt:
        pass
    finally:
        channel.cancel()
        connection.close()
    print(f"Đã nhận {received} sự kiện.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
