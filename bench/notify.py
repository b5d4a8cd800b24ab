"""Notify's own figures on PostgreSQL, in process (no broker in the measured path).

1. Events turned into inbox items per second: `task.assigned` CloudEvents fed through notify's
   applier in the batches its consumer takes from RabbitMQ (one transaction per batch, inbox
   entry + inbox items + public-feed row per event).
2. Webhook deliveries per second: one agency subscribed to `task.assigned`, the delivery worker
   sending the queued deliveries (claim, sign, POST, record) to a local receiver on 127.0.0.1.
3. Inbox query latency: `GET /api/notify/inbox` through the Flask app (WSGI test client, JWT
   verified) for a unit holding 10,000 items: the first page (50, newest first, with total and
   unread count), p50 and p99.

Called by bench/run.py on the databases of its run.
"""

from __future__ import annotations

import http.server
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.notify import outbound, store
from services.notify.app import create_app, create_service
from services.notify.consumer import create_consumer, create_delivery_worker
from shared.applier import Delivery
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from shared.events import encode, make_event

UNITS = ["SO_TC", "SO_XD", "SO_YT", "SO_GDDT", "SO_NV", "SO_TP", "14812", "14758"]
BIG_UNIT = "SO_BENCH"


def measure_notify(
    env: dict[str, str],
    *,
    events: int = 5000,
    webhooks: int = 1000,
    inbox_items: int = 10_000,
    queries: int = 300,
) -> dict[str, Any]:
    print(
        f"5/6 Thông báo: {events} sự kiện → hộp thư, {webhooks} webhook, "
        f"truy vấn hộp thư {inbox_items:,} mục..."
    )
    service = create_service({**env, "WEBHOOK_ALLOW_LOOPBACK": "1", "LOG_LEVEL": "WARNING"})
    service.migrate()
    try:
        consumer = create_consumer(service)
        figures = {"notify_inbox_items_per_s": _feed(consumer, events)}
        figures["notify_webhooks_per_s"] = _webhooks(service, consumer, webhooks)
        figures.update(_inbox_latency(service, env["JWT_SECRET"], inbox_items, queries))
    finally:
        service.runtime.platform.stop()
    print(
        f"    {figures['notify_inbox_items_per_s']:,.0f} mục hộp thư/s, "
        f"{figures['notify_webhooks_per_s']:,.0f} webhook/s, GET hộp thư p50 "
        f"{figures['notify_inbox_p50_ms']} ms, p99 {figures['notify_inbox_p99_ms']} ms"
    )
    return figures


def _event(index: int) -> bytes:
    now = datetime.now(UTC)
    data = {
        "task_id": uuid.uuid4().hex,
        "document_id": uuid.uuid4().hex,
        "status": "assigned",
        "lead_unit": UNITS[index % len(UNITS)],
        "coordinating_units": [],
        "due_on": (now + timedelta(days=15)).date().isoformat(),
        "overdue": False,
        "assigned_on": now.date().isoformat(),
        "assigned_by": "ubnd_tinh",
        "content": f"Nhiệm vụ đo tải số {index}",
        "occurred_at": now.isoformat(),
    }
    return encode(make_event("task.assigned", data, source="/workflow", time=now)).encode()


def _feed(consumer: Any, count: int) -> float:
    bodies = [_event(i) for i in range(count)]
    began = time.perf_counter()
    for start in range(0, count, consumer.batch_size):
        chunk = bodies[start : start + consumer.batch_size]
        outcomes = consumer.applier.apply_batch([Delivery(body, {}) for body in chunk])
        assert set(outcomes) == {"applied"}, outcomes
    return round(count / (time.perf_counter() - began), 1)


class _Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


def _webhooks(service: Any, consumer: Any, count: int) -> float:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    with service.runtime.platform.database.transaction() as conn:
        outbound.add_subscription(
            conn,
            {
                "id": uuid.uuid4().hex,
                "owner": "BO_BENCH",
                "url": url,
                "event_types": ["task.assigned"],
                "secret": "bench-hook-secret-0123456789",
                "created_at": datetime.now(UTC),
            },
        )
    bodies = [_event(i) for i in range(count)]
    for start in range(0, count, consumer.batch_size):
        chunk = bodies[start : start + consumer.batch_size]
        consumer.applier.apply_batch([Delivery(body, {}) for body in chunk])
    worker = create_delivery_worker(service)
    sent = 0
    began = time.perf_counter()
    try:
        while attempted := worker.run_once():
            sent += attempted
    finally:
        elapsed = time.perf_counter() - began
        server.shutdown()
        server.server_close()
    with service.runtime.platform.database.read() as conn:
        _, delivered = outbound.list_deliveries(conn, "BO_BENCH", outbound.DELIVERED, 1, 0)
    assert delivered == count == sent, (delivered, count, sent)
    return round(count / elapsed, 1)


def _inbox_latency(service: Any, secret: str, items: int, queries: int) -> dict[str, Any]:
    start = datetime.now(UTC) - timedelta(days=365)
    rows = [
        {
            "id": uuid.uuid4().hex,
            "event_id": uuid.uuid4().hex,
            "recipient_kind": "unit",
            "recipient": BIG_UNIT,
            "channel": "inbox",
            "event_type": "task.assigned",
            "title": "Nhiệm vụ mới được giao",
            "body": f"Đơn vị được giao nhiệm vụ số {n}.",
            "task_id": uuid.uuid4().hex,
            "created_at": start + timedelta(minutes=n),
        }
        for n in range(items)
    ]
    with service.runtime.platform.database.transaction() as conn:
        for chunk in range(0, items, 1000):
            store.add_items(conn, rows[chunk : chunk + 1000])
        conn.exec_driver_sql("ANALYZE inbox_items")
    settings = AuthSettings(
        mode="hs256", secret=secret, public_key=None, jwks_url=None, issuer=None, audience=None
    )
    token = mint_token(
        settings, sub="bench-officer", name="bench", unit=BIG_UNIT, roles=["unit_officer"]
    )
    client = create_app(service).test_client()
    headers = {"Authorization": f"Bearer {token}"}
    latencies = []
    for _ in range(queries):
        began = time.perf_counter()
        answer = client.get("/api/notify/inbox?limit=50", headers=headers)
        latencies.append(time.perf_counter() - began)
        assert answer.status_code == 200 and answer.get_json()["total"] == items, answer.data
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000, 1)

    return {
        "notify_inbox_items": items,
        "notify_inbox_p50_ms": pct(50),
        "notify_inbox_p99_ms": pct(99),
    }
