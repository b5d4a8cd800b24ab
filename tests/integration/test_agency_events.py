"""What agencies receive, from a real journey through the embedded system: every webhook body and
every public feed message validates against its payload schema in deploy/asyncapi.yaml, and
neither carries the acting person's identity or the internal correlation id."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from kombu.entity import Queue
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.test import Client

from services.embedded import build_system
from services.notify import webhooks
from services.notify.domain import PUBLIC_EVENT_TYPES as WEBHOOK_EVENT_TYPES
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from shared.calendar import local_date
from shared.topology import PUBLIC_FEED_EVENT_TYPES
from tests.integration.notifykit import Receiver
from tests.polling import wait_for

ROOT = Path(__file__).resolve().parents[2]
SECRET = "agency-events-secret-0123456789-0123456789"
HOOK_SECRET = "agency-hook-secret-0123456789"
ASYNCAPI = yaml.safe_load((ROOT / "deploy" / "asyncapi.yaml").read_text(encoding="utf-8"))
REGISTRY = Registry().with_resource(
    "urn:asyncapi", Resource.from_contents(ASYNCAPI, default_specification=DRAFT202012)
)


def payload_validator(event_type: str) -> jsonschema.Draft202012Validator:
    """The webhook message's payload schema of `event_type`, formats (date, date-time) checked."""
    [message] = [
        m for m in ASYNCAPI["channels"]["webhook"]["messages"].values() if m["name"] == event_type
    ]
    schema = {"$ref": "urn:asyncapi" + message["payload"]["$ref"]}
    return jsonschema.Draft202012Validator(
        schema,
        registry=REGISTRY,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


class System:
    def __init__(self, tmp_path: Path) -> None:
        env = {
            "DATA_DIR": str(tmp_path),
            "JWT_SECRET": SECRET,
            "BUS_NAMESPACE": f"nvag{uuid.uuid4().hex[:10]}",
            "NHIEMVU_ENV": "development",
            "DELIVERY_POLL_SECONDS": "0.2",
        }
        self.system = build_system(env)
        self.system.migrate()
        self.client = Client(self.system.wsgi(api_url="http://127.0.0.1:9"))
        self.settings = AuthSettings(
            mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
        )
        bus = self.system.notify.runtime.platform.bus
        self.connection = bus.connection()
        self.queue = Queue(
            f"{bus.topology.namespace}.agency", bus.topology.public_exchange(), routing_key="#"
        )
        self.queue(self.connection.default_channel).declare()

    def token(self, role: str, unit: str | None) -> str:
        # A person with a name and an account id: neither may reach an agency.
        return mint_token(
            self.settings, sub=f"{role}-{unit}-42", name="Nguyễn Văn A", unit=unit, roles=[role]
        )

    def call(self, method: str, path: str, role: str, unit: str | None, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token(role, unit)}"}
        headers["X-Correlation-Id"] = "corr-must-not-leave"
        answer = self.client.open(path, method=method, json=body, headers=headers)
        assert answer.status_code < 300, (path, answer.status_code, answer.get_data(as_text=True))
        return answer.get_json()

    def feed(self) -> list[Any]:
        taken = []
        channel = self.connection.default_channel
        while (message := self.queue(channel).get(no_ack=True)) is not None:
            taken.append(message)
        return taken


def a_document(today: Any, *leads: str) -> dict[str, Any]:
    return {
        "source_id": f"agency-{uuid.uuid4().hex}",
        "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-KTTC",
        "type": "cong_van",
        "assigned_by": "pho_chu_tich",
        "signer": {"name": "Lê Văn C", "position": "Phó Chủ tịch UBND tỉnh"},
        "issued_on": today.isoformat(),
        "urgency": "thuong",
        "secrecy": None,
        "summary": "Về việc rà soát nguồn vốn đầu tư công",
        "release": True,
        "tasks": [
            {
                "content": f"Nhiệm vụ {index} của {lead}",
                "lead_unit": lead,
                "coordinating_units": ["SO_XD"],
                "due_on": (today + timedelta(days=10)).isoformat(),
                "cadence": None,
            }
            for index, lead in enumerate(leads)
        ],
    }


@pytest.fixture(scope="module")
def received(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A journey touching most event types, with an agency subscribed to every type it may name
    and a queue bound to the whole public feed."""
    here = System(tmp_path_factory.mktemp("agency"))
    receiver = Receiver().up()
    here.system.start()
    try:
        subscription = {
            "url": receiver.url,
            "event_types": list(WEBHOOK_EVENT_TYPES),
            "secret": HOOK_SECRET,
        }
        here.call("POST", "/api/notify/subscriptions", "agency", "BO_KHCN", subscription)
        today = local_date(datetime.now(UTC))
        created = here.call(
            "POST", "/api/intake/documents", "office", "VP_UBND", a_document(today, *["SO_TC"] * 4)
        )
        done, returned, withdrawn, left = (task["id"] for task in created["tasks"])

        def task_path(task_id: str) -> str:
            return f"/api/workflow/tasks/{task_id}"

        wait_for(
            lambda: all(
                here.client.get(
                    task_path(t), headers={"Authorization": f"Bearer {here.token('office', None)}"}
                ).status_code
                == 200
                for t in (done, returned, withdrawn, left)
            ),
            timeout=30,
            what="the workflow's tasks",
        )

        def act(task_id: str, action: str, role: str, unit: str | None, **body: Any) -> None:
            here.call("POST", f"{task_path(task_id)}/actions/{action}", role, unit, body)

        unit, office = ("unit_officer", "SO_TC"), ("office", "VP_UBND")
        act(done, "accept", *unit)
        act(done, "report_progress", *unit, note="Đang rà soát")
        act(done, "contribute", "unit_officer", "SO_XD", note="Ý kiến phối hợp")
        act(done, "urge", *office, note="Đề nghị khẩn trương")
        later = (today + timedelta(days=20)).isoformat()
        act(done, "request_extension", *unit, new_due_on=later, reason="Cần thêm số liệu")
        act(done, "decide_extension", *office, approve=True)
        act(done, "submit_result", *unit, note="Đã xong")
        act(done, "request_rework", *office, reason="Thiếu phụ lục")
        act(done, "submit_result", *unit, note="Bổ sung phụ lục")
        act(done, "confirm", *office)
        act(returned, "return", *unit, reason="not_its_function")
        act(returned, "resolve_return", *office, note="Giữ nguyên")
        act(withdrawn, "withdraw", *office, reason="Không còn cần thiết")
        act(left, "accept", *unit)
        # Timers: due soon, then overdue and urged by the diagram.
        here.call("POST", "/api/admin/clock", "office", "VP_UBND", {"advance": "P9D"})
        here.call("POST", "/api/admin/clock", "office", "VP_UBND", {"advance": "P5D"})
        quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"

        def report() -> Any:
            answer = here.client.post(
                "/api/reporting/reports",
                json={"period": quarter},
                headers={"Authorization": f"Bearer {here.token('office', 'VP_UBND')}"},
            )
            return answer.get_json() if answer.status_code == 201 else None

        made = wait_for(report, timeout=30, what="a report")
        here.call("POST", f"/api/reporting/reports/{made['id']}/publish", "office_lead", "VP_UBND")

        def settled() -> bool:
            types = {json.loads(body)["type"] for _headers, body in receiver.received}
            return {"report.published", "task.completed", "task.overdue"} <= types

        wait_for(settled, timeout=60, what="the webhooks")
        time.sleep(1.0)  # stragglers of the same journey
        yield {"webhooks": list(receiver.received), "feed": here.feed()}
    finally:
        receiver.down()
        here.system.stop()


def test_every_real_webhook_body_validates_against_its_asyncapi_payload_schema(
    received: dict[str, Any],
) -> None:
    bodies = [json.loads(body) for _headers, body in received["webhooks"]]
    types = {body["type"] for body in bodies}
    assert len(bodies) >= 15 and len(types) >= 12, sorted(types)
    problems = [
        f"{body['type']}: {error.json_path}: {error.message}"
        for body in bodies
        for error in payload_validator(body["type"]).iter_errors(body)
    ]
    assert problems == []


def test_a_webhook_body_carries_no_person_and_no_correlation_id(received: dict[str, Any]) -> None:
    for headers, raw in received["webhooks"]:
        body = json.loads(raw)
        assert "correlationid" not in body
        actor = body["data"].get("actor") or {}
        assert not {"sub", "name"} & set(actor), body["type"]
        assert b"Nguy\\u1ec5n V\\u0103n A" not in raw and "Nguyễn Văn A".encode() not in raw
        assert b"-42" not in raw and b"corr-must-not-leave" not in raw
        assert headers["Content-Type"] == webhooks.CONTENT_TYPE


def test_every_real_webhook_is_signed_as_documented(received: dict[str, Any]) -> None:
    for headers, raw in received["webhooks"]:
        parts = dict(item.split("=", 1) for item in headers[webhooks.SIGNATURE_HEADER].split(","))
        assert webhooks.signature(HOOK_SECRET, raw, int(parts["t"])) == "t={},v1={}".format(
            parts["t"], parts["v1"]
        )


def test_every_feed_message_validates_and_matches_the_webhook_body_of_the_same_event(
    received: dict[str, Any],
) -> None:
    messages = [json.loads(message.body) for message in received["feed"]]
    assert {m["type"] for m in messages} <= set(PUBLIC_FEED_EVENT_TYPES)
    assert len(messages) >= 8
    webhook_by_id = {json.loads(raw)["id"]: json.loads(raw) for _h, raw in received["webhooks"]}
    for message in messages:
        errors = [e.message for e in payload_validator(message["type"]).iter_errors(message)]
        assert errors == [], message["type"]
        assert webhook_by_id[message["id"]] == message  # one privacy for both
