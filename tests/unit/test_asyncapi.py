"""deploy/asyncapi.yaml against the code: the public event types and their data schemas."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

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


def channels_by_address() -> dict[str, dict[str, Any]]:
    return {channel["address"]: channel for channel in DOCUMENT["channels"].values()}


def data_schema_of(channel: dict[str, Any]) -> dict[str, Any]:
    [message] = [resolve(m) for m in channel["messages"].values()]
    parts = [resolve(part) for part in message["payload"]["allOf"]]
    [data] = [resolve(p["properties"]["data"]) for p in parts if "$ref" in p["properties"]["data"]]
    return data


def marshmallow_required(event_type: str) -> set[str]:
    fields = SCHEMAS[event_type].fields
    return {field.data_key or name for name, field in fields.items() if field.required}


def test_the_document_is_asyncapi_3():
    assert DOCUMENT["asyncapi"] == "3.0.0"


def test_every_public_event_type_has_a_channel_and_every_channel_is_public():
    assert sorted(channels_by_address()) == sorted(PUBLIC_FEED_EVENT_TYPES)


def test_every_channel_is_bound_to_the_durable_public_topic_exchange():
    for channel in DOCUMENT["channels"].values():
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
