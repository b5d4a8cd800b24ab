"""deploy/asyncapi.yaml against the code: the public feed's and the webhooks' event types, their
data schemas, and the webhook signature scheme."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.notify import webhooks
from services.notify.domain import PUBLIC_EVENT_TYPES as WEBHOOK_EVENT_TYPES
from shared.events import SCHEMAS
from shared.topology import PUBLIC_FEED_EVENT_TYPES, Topology

DOCUMENT = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "deploy" / "asyncapi.yaml").read_text(encoding="utf-8")
)


def resolve(node: Any) -> Any:
    """Follow a local `$ref` ("#/a/b") to what it names."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = DOCUMENT
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


ROOT = Path(__file__).resolve().parents[2]


def channels_by_address() -> dict[str, dict[str, Any]]:
    """The public feed's channels (an AMQP routing key each); the webhook channel has none."""
    channels = DOCUMENT["channels"].values()
    return {channel["address"]: channel for channel in channels if channel["address"]}


def webhook_messages() -> dict[str, dict[str, Any]]:
    """The webhook channel's messages by event type."""
    messages = DOCUMENT["channels"]["webhook"]["messages"].values()
    return {message["name"]: message for message in messages}


def data_schema_of_message(message: dict[str, Any]) -> dict[str, Any]:
    parts = [resolve(part) for part in resolve(message["payload"])["allOf"]]
    [data] = [resolve(p["properties"]["data"]) for p in parts if "$ref" in p["properties"]["data"]]
    return data


def data_schema_of(channel: dict[str, Any]) -> dict[str, Any]:
    [message] = [resolve(m) for m in channel["messages"].values()]
    return data_schema_of_message(message)


def marshmallow_required(event_type: str) -> set[str]:
    fields = SCHEMAS[event_type].fields
    return {field.data_key or name for name, field in fields.items() if field.required}


def test_the_document_is_asyncapi_3():
    assert DOCUMENT["asyncapi"] == "3.0.0"


def test_every_public_event_type_has_a_channel_and_every_channel_is_public():
    assert sorted(channels_by_address()) == sorted(PUBLIC_FEED_EVENT_TYPES)


def test_every_feed_channel_is_bound_to_the_durable_public_topic_exchange():
    for channel in channels_by_address().values():
        exchange = channel["bindings"]["amqp"]["exchange"]
        assert channel["bindings"]["amqp"]["is"] == "routingKey"
        assert exchange["name"] == Topology().public_exchange_name
        assert (exchange["type"], exchange["durable"]) == ("topic", True)


@pytest.mark.parametrize("event_type", PUBLIC_FEED_EVENT_TYPES)
def test_each_data_schema_requires_what_the_marshmallow_schema_requires(event_type):
    data = data_schema_of(channels_by_address()[event_type])
    assert set(data["required"]) == marshmallow_required(event_type)
    assert set(data["properties"]) == {
        field.data_key or name for name, field in SCHEMAS[event_type].fields.items()
    }


@pytest.mark.parametrize("event_type", PUBLIC_FEED_EVENT_TYPES)
def test_each_message_is_a_structured_cloudevent_of_its_own_type(event_type):
    channel = channels_by_address()[event_type]
    [message] = [resolve(m) for m in channel["messages"].values()]
    envelope, own = (resolve(part) for part in message["payload"]["allOf"])
    assert message["contentType"] == "application/cloudevents+json"
    assert own["properties"]["type"] == {"const": event_type}
    assert "correlationid" not in envelope["properties"]
    assert {"specversion", "id", "source", "type", "time", "data"} <= set(envelope["required"])


def test_every_event_type_a_subscription_may_name_has_a_webhook_message_and_payload_schema():
    assert sorted(webhook_messages()) == sorted(WEBHOOK_EVENT_TYPES)
    assert set(PUBLIC_FEED_EVENT_TYPES) <= set(WEBHOOK_EVENT_TYPES)
    operation = DOCUMENT["operations"]["receiveWebhook"]
    assert resolve(operation["channel"]) is DOCUMENT["channels"]["webhook"]
    assert len(operation["messages"]) == len(WEBHOOK_EVENT_TYPES)
    assert operation["bindings"]["http"]["method"] == "POST"
    for event_type, message in webhook_messages().items():
        own = resolve(resolve(message["payload"])["allOf"][1])
        assert own["properties"]["type"] == {"const": event_type}
        data = data_schema_of_message(message)
        assert set(data["required"]) == marshmallow_required(event_type)


def test_a_webhook_message_is_the_feed_message_with_the_signature_header():
    for event_type, message in webhook_messages().items():
        headers = resolve(message["headers"])
        signature = headers["properties"][webhooks.SIGNATURE_HEADER]
        assert webhooks.SIGNATURE_HEADER in headers["required"]
        assert headers["properties"]["Content-Type"]["const"] == webhooks.CONTENT_TYPE
        made = webhooks.signature("s" * 16, b'{"id": "e1"}', 1_780_000_000)
        assert jsonschema_valid(signature, made)
        feed_message = DOCUMENT["components"]["messages"][message["payload"]["$ref"].split("/")[3]]
        assert feed_message["name"] == event_type


def jsonschema_valid(schema: dict[str, Any], value: Any) -> bool:
    import jsonschema

    return jsonschema.Draft202012Validator(schema).is_valid(value)


def verification_examples() -> list[str]:
    """The Python verification example of the webhook channel and of the README."""
    fence = "```python\n"
    channel = DOCUMENT["channels"]["webhook"]["description"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [text.split(fence, 1)[1].split("```", 1)[0] for text in (channel, readme)]


def test_the_documented_verification_accepts_the_real_signature_and_refuses_a_forgery():
    import time

    asyncapi_example, readme_example = verification_examples()
    assert asyncapi_example == readme_example
    scope: dict[str, Any] = {}
    exec(asyncapi_example, scope)  # the example as an agency would copy it
    verify = scope["verify"]
    body, now = b'{"specversion": "1.0", "id": "e1"}', int(time.time())
    header = webhooks.signature("agency-secret-0123456789", body, now)
    assert verify("agency-secret-0123456789", header, body)
    assert not verify("another-secret-0123456789", header, body)
    assert not verify("agency-secret-0123456789", header, body + b" ")
    old = webhooks.signature("agency-secret-0123456789", body, now - 3600)
    assert not verify("agency-secret-0123456789", old, body)


def test_every_operation_receives_from_a_documented_channel():
    for operation in DOCUMENT["operations"].values():
        assert operation["action"] == "receive"
        assert resolve(operation["channel"]) in DOCUMENT["channels"].values()


def _official_validator() -> Any:
    import jsonschema

    schema_path = Path(__file__).resolve().parents[2] / "deploy/schemas/asyncapi-3.0.0.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def test_the_document_validates_against_the_official_asyncapi_3_schema() -> None:
    document = copy.deepcopy(DOCUMENT)
    errors = [f"{list(e.path)}: {e.message}" for e in _official_validator().iter_errors(document)]
    assert errors == []


def test_the_official_schema_catches_a_broken_document() -> None:
    document = copy.deepcopy(DOCUMENT)
    del document["info"]
    document["channels"]["not-a-channel"] = {"address": 42}
    assert len(list(_official_validator().iter_errors(document))) >= 2
