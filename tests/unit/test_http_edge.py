"""The HTTP edge every service shares, on a small app: errors, body checks, idempotency, OpenAPI,
correlation ids, health and metrics."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import Schema, fields, validate
from sqlalchemy import MetaData

from shared.clock import SystemClock
from shared.config import PlatformSettings
from shared.errors import NotFound
from shared.http import ApiRouter, json_body, query_args
from shared.platform import ServicePlatform
from shared.service_app import build_service_app

PROBLEM = "application/problem+json"
MAX_BODY = 8192


class ItemIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    count = fields.Integer(load_default=1, validate=validate.Range(min=1))


class ItemOut(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    count = fields.Integer(required=True)


class ItemQuery(Schema):
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))


def build_router(created: list[dict[str, Any]]) -> ApiRouter:
    router = ApiRouter("demo")
    item_in, item_query = ItemIn(), ItemQuery()

    @router.route(
        "/api/demo/items",
        "POST",
        request=ItemIn,
        response=ItemOut,
        status=201,
        summary="Create an item",
    )
    def create_item() -> Any:
        body = json_body(item_in)
        created.append(body)
        return {"id": f"item-{len(created)}", **body}

    @router.route("/api/demo/items", query=ItemQuery, summary="List items")
    def list_items() -> Any:
        return {"limit": query_args(item_query)["limit"], "items": created}

    @router.route("/api/demo/items/<item_id>", response=ItemOut, public=True)
    def get_item(item_id: str) -> Any:
        """Read one item."""
        raise NotFound("Không có mục này.", item_id=item_id)

    @router.route("/api/demo/boom", "POST")
    def boom() -> Any:
        raise RuntimeError("secret internals: password=hunter2")

    return router


@pytest.fixture
def make_app(tmp_path, bus_namespace) -> Callable[..., tuple[Flask, list[dict[str, Any]]]]:
    def make(**env: str) -> tuple[Flask, list[dict[str, Any]]]:
        settings = PlatformSettings.from_env(
            "demo",
            {
                "DATA_DIR": str(tmp_path),
                "BUS_NAMESPACE": bus_namespace,
                "MAX_BODY_BYTES": str(MAX_BODY),
                **env,
            },
        )
        metadata = MetaData()
        platform = ServicePlatform(settings, metadata, SystemClock())
        if not env:
            metadata.create_all(platform.database.engine)
        created: list[dict[str, Any]] = []
        return build_service_app(platform, build_router(created), "Demo"), created

    return make


@pytest.fixture
def app_and_created(make_app):
    return make_app()


@pytest.fixture
def client(app_and_created) -> FlaskClient:
    return app_and_created[0].test_client()


def post(client: FlaskClient, path: str, body: Any, **headers: str) -> Any:
    return client.post(
        path, data=json.dumps(body), content_type="application/json", headers=headers
    )


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    problem = response.get_json(force=True)
    assert problem["status"] == status
    assert problem["title"]
    return problem


# -- errors as problem+json ----------------------------------------------------------------------
def test_a_valid_body_is_accepted(client):
    response = post(client, "/api/demo/items", {"title": "Báo cáo quý"})
    assert response.status_code == 201
    assert response.get_json() == {"id": "item-1", "title": "Báo cáo quý", "count": 1}


@pytest.mark.parametrize(
    "body",
    [b'{"title": ', b"\xff\xfe{}", b"[" * 1_000, b'{"count": ' + b"9" * 5_000 + b"}"],
    ids=["truncated", "not-utf8", "too-deep", "too-many-digits"],
)
def test_malformed_json_is_a_400_problem(client, body):
    response = client.post("/api/demo/items", data=body, content_type="application/json")
    assert_problem(response, 400)


def test_a_body_that_is_not_json_is_a_415_problem(client):
    response = client.post("/api/demo/items", data="title=x", content_type="text/plain")
    assert "application/json" in assert_problem(response, 415)["detail"]


def test_invalid_fields_are_a_422_problem_naming_each_field(client):
    response = post(client, "/api/demo/items", {"count": 0})
    errors = assert_problem(response, 422)["errors"]
    assert set(errors) == {"title", "count"}


def test_a_json_body_that_is_not_an_object_is_a_422_problem(client):
    assert "_schema" in assert_problem(post(client, "/api/demo/items", ["x"]), 422)["errors"]


def test_an_invalid_query_is_a_422_problem(client):
    assert "limit" in assert_problem(client.get("/api/demo/items?limit=0"), 422)["errors"]


def test_a_body_over_the_limit_is_a_413_problem(client, app_and_created):
    response = post(client, "/api/demo/items", {"title": "x" * MAX_BODY})
    assert_problem(response, 413)
    assert app_and_created[1] == []


def test_an_unknown_route_is_a_404_problem(client):
    assert_problem(client.get("/api/demo/nowhere"), 404)


def test_a_wrong_method_is_a_405_problem(client):
    assert_problem(client.delete("/api/demo/items"), 405)


def test_a_domain_error_keeps_its_status_and_details(client):
    problem = assert_problem(client.get("/api/demo/items/i-9"), 404)
    assert problem["item_id"] == "i-9"


def test_an_unexpected_exception_is_a_500_problem_that_tells_nothing_of_the_internals(client):
    response = post(client, "/api/demo/boom", {})
    assert_problem(response, 500)
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    assert "hunter2" not in text
    assert "RuntimeError" not in text


# -- Idempotency-Key -----------------------------------------------------------------------------
def test_an_idempotency_key_replays_the_stored_answer_without_running_again(app_and_created):
    app, created = app_and_created
    client = app.test_client()
    first = post(client, "/api/demo/items", {"title": "một lần"}, **{"Idempotency-Key": "k-1"})
    again = post(client, "/api/demo/items", {"title": "một lần"}, **{"Idempotency-Key": "k-1"})

    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(created) == 1


def test_the_same_idempotency_key_with_a_different_body_is_a_409_problem(client):
    post(client, "/api/demo/items", {"title": "một"}, **{"Idempotency-Key": "k-2"})
    response = post(client, "/api/demo/items", {"title": "hai"}, **{"Idempotency-Key": "k-2"})
    assert assert_problem(response, 409)["key"] == "k-2"


def test_a_refused_request_leaves_its_idempotency_key_free_for_the_corrected_one(client):
    assert_problem(post(client, "/api/demo/items", {}, **{"Idempotency-Key": "k-3"}), 422)
    response = post(client, "/api/demo/items", {"title": "sửa"}, **{"Idempotency-Key": "k-3"})
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers


def test_posts_without_an_idempotency_key_run_every_time(app_and_created):
    app, created = app_and_created
    client = app.test_client()
    post(client, "/api/demo/items", {"title": "a"})
    post(client, "/api/demo/items", {"title": "a"})
    assert len(created) == 2


# -- correlation ids -----------------------------------------------------------------------------
def test_the_callers_correlation_id_is_echoed(client):
    response = client.get("/api/demo/items", headers={"X-Correlation-Id": "req-123"})
    assert response.headers["X-Correlation-Id"] == "req-123"


@pytest.mark.parametrize("path", ["/api/demo/items", "/api/demo/nowhere"])
def test_a_correlation_id_is_made_when_the_caller_sends_none(client, path):
    first = client.get(path).headers["X-Correlation-Id"]
    second = client.get(path).headers["X-Correlation-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


# -- OpenAPI -------------------------------------------------------------------------------------
def test_the_openapi_document_is_valid_and_lists_the_routes_with_their_schemas(client):
    response = client.get("/api/demo/openapi.json")
    assert response.status_code == 200
    document = response.get_json()

    from openapi_spec_validator import validate as validate_openapi  # openapi-spec-validator

    validate_openapi(document)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Demo"
    paths = document["paths"]
    assert set(paths) == {"/api/demo/items", "/api/demo/items/{item_id}", "/api/demo/boom"}
    create = paths["/api/demo/items"]["post"]
    assert create["summary"] == "Create an item"
    body_schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert body_schema == {"$ref": "#/components/schemas/ItemIn"}
    item_in = document["components"]["schemas"]["ItemIn"]
    assert set(item_in["properties"]) == {"title", "count"}
    assert item_in["required"] == ["title"]
    assert {"201", "400", "409", "415", "422"} <= set(create["responses"])
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}
    listing = paths["/api/demo/items"]["get"]
    assert [(p["in"], p["name"]) for p in listing["parameters"]] == [("query", "limit")]
    one = paths["/api/demo/items/{item_id}"]["get"]
    assert one["summary"] == "Read one item."
    assert [(p["in"], p["name"]) for p in one["parameters"]] == [("path", "item_id")]
    assert "security" not in one and "security" in listing


# -- health and metrics --------------------------------------------------------------------------
def test_healthz_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_answers_200_when_the_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_answers_503_when_the_database_is_unreachable(make_app):
    app, _ = make_app(DEMO_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/nowhere")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"].startswith("unavailable")
    assert checks["broker"] == "ok"


def test_metrics_count_requests_by_service_route_and_status(client):
    client.get("/api/demo/items")
    text = client.get("/metrics").get_data(as_text=True)
    assert re.search(
        r'nhiemvu_http_requests_total\{method="GET",route="/api/demo/items",service="demo",'
        r'status="200"\} [1-9]',
        text,
    ), text[:2000]
