"""Bounds at the HTTP edge, on each of the four services and on the development clock route:
offsets are capped, JSON too deep or undecodable is a 400, and text with NUL, control or
bidirectional-override characters is a 422 naming the field — never a 500, never stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.embedded import install_clock_routes
from services.workflow.app import create_app as create_workflow_app
from services.workflow.app import create_service as create_workflow_service
from services.workflow.units import units as workflow_units
from shared.clock import AdjustableClock, FixedClock
from shared.http import MAX_OFFSET
from shared.http_edge import install_edge
from shared.json_input import MAX_JSON_DEPTH
from tests.integration import intakekit, notifykit, reportingkit, workflowkit

PROBLEM = "application/problem+json"


@dataclass
class Edge:
    """One service as the tests drive it: a list route and a JSON route, with a body whose
    `text_field` is a free text."""

    client: FlaskClient
    list_path: str
    list_headers: dict[str, str]
    post_path: str
    post_headers: dict[str, str]
    body: dict[str, Any]
    text_field: str
    rows: Any = field(default=None)

    def post_raw(self, data: bytes | str, **headers: str) -> Any:
        return self.client.post(
            self.post_path,
            data=data,
            content_type="application/json",
            headers={**self.post_headers, **headers},
        )

    def post(self, body: Any, **headers: str) -> Any:
        return self.post_raw(json.dumps(body), **headers)


@pytest.fixture(params=["intake", "workflow", "notify", "reporting"])
def edge(request: pytest.FixtureRequest, tmp_path: Path, bus_namespace: str) -> Iterator[Edge]:
    name = request.param
    if name == "intake":
        env = {"DATA_DIR": str(tmp_path), "BUS_NAMESPACE": bus_namespace}
        for service in intakekit._intake(env):
            office = intakekit.token()
            yield Edge(
                service.test_client,
                "/api/intake/documents",
                office,
                "/api/intake/documents",
                office,
                intakekit.document(),
                "summary",
            )
    elif name == "workflow":
        env = {
            "DATA_DIR": str(tmp_path),
            "JWT_SECRET": workflowkit.SECRET,
            "BUS_NAMESPACE": bus_namespace,
        }
        service = create_workflow_service(env, clock=FixedClock(workflowkit.NOW))
        service.migrate()
        with service.runtime.platform.database.transaction() as conn:
            conn.execute(
                workflow_units.insert(),
                [{"code": c, "name": c, "active": True} for c in ("VP_UBND", "SO_TC")],
            )
        try:
            yield Edge(
                create_workflow_app(service).test_client(),
                "/api/workflow/tasks",
                workflowkit.OFFICE,
                "/api/workflow/info-requests",
                workflowkit.OFFICE,
                {
                    "subject": "topic",
                    "topic": "Giải ngân vốn đầu tư công",
                    "question": "Đề nghị báo cáo tỷ lệ giải ngân",
                    "units": ["SO_TC"],
                    "due_on": "2026-12-04",
                },
                "question",
            )
        finally:
            service.runtime.platform.stop()
    elif name == "notify":
        service = notifykit.build(tmp_path, bus_namespace)
        try:
            yield Edge(
                service.client,
                "/api/notify/inbox",
                notifykit.auth("unit_officer", "SO_TC"),
                "/api/notify/subscriptions",
                notifykit.auth("agency", None, sub="agency-1"),
                {
                    "url": "https://hooks.example.vn/nhiemvu",
                    "event_types": ["task.completed"],
                    "secret": "s" * 32,
                },
                "url",
            )
        finally:
            service.runtime.platform.stop()
    else:
        with reportingkit.reporting_service(tmp_path, bus_namespace) as service:
            office = reportingkit.headers()
            yield Edge(
                service.client,
                "/api/reporting/reports",
                office,
                "/api/reporting/reports",
                office,
                {"period": "2026-Q4"},
                "period",
            )


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == PROBLEM
    problem = json.loads(response.get_data())
    assert problem["status"] == status
    return problem


# -- offsets ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("offset", [2**63, 2**64 + 1, MAX_OFFSET + 1])
def test_an_offset_past_the_cap_is_422_naming_offset_not_a_500(edge: Edge, offset: int) -> None:
    answer = edge.client.get(f"{edge.list_path}?offset={offset}", headers=edge.list_headers)
    assert "offset" in assert_problem(answer, 422)["errors"]


def test_an_offset_at_the_cap_is_an_empty_page(edge: Edge) -> None:
    answer = edge.client.get(f"{edge.list_path}?offset={MAX_OFFSET}", headers=edge.list_headers)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["items"] == []


def test_the_openapi_document_states_the_offset_cap(edge: Edge) -> None:
    service = edge.list_path.split("/")[2]
    document = edge.client.get(f"/api/{service}/openapi.json").get_json()
    offsets = [
        parameter["schema"]
        for operations in document["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter["name"] == "offset"
    ]
    assert offsets
    assert all(schema["maximum"] == MAX_OFFSET for schema in offsets)


def test_a_forbidden_character_in_a_query_parameter_is_422_naming_it(edge: Edge) -> None:
    answer = edge.client.get(f"{edge.list_path}?offset=0%00", headers=edge.list_headers)
    assert "offset" in assert_problem(answer, 422)["errors"]


# -- JSON that cannot be read ----------------------------------------------------------------------
@pytest.mark.parametrize("depth", [10_000, MAX_JSON_DEPTH + 1])
def test_json_nested_too_deep_is_a_400_not_a_500(edge: Edge, depth: int) -> None:
    nested = '{"a": ' * (depth - 1) + "[1]" + "}" * (depth - 1)
    body = json.dumps(edge.body)[:-1] + f', "extra": {nested}}}'
    assert_problem(edge.post_raw(body), 400)


def test_json_at_the_depth_limit_is_read(edge: Edge) -> None:
    """64 levels are read (then refused by the schema as an unknown field, not as unreadable)."""
    nested = '{"a": ' * (MAX_JSON_DEPTH - 2) + "1" + "}" * (MAX_JSON_DEPTH - 2)
    body = json.dumps(edge.body)[:-1] + f', "extra": {nested}}}'
    assert edge.post_raw(body).status_code != 400


def test_a_lone_surrogate_is_a_400_not_a_500(edge: Edge) -> None:
    body = json.dumps({**edge.body, edge.text_field: "abc\ud800"})  # escaped as \\ud800
    assert "\\ud800" in body
    assert_problem(edge.post_raw(body), 400)


@pytest.mark.parametrize("raw", [b'{"a": "\xff\xfe"}', b'{"a": ', b"\xef\xbb\xbf{]"])
def test_undecodable_json_is_a_400(edge: Edge, raw: bytes) -> None:
    assert_problem(edge.post_raw(raw), 400)


# -- forbidden characters in text ------------------------------------------------------------------
@pytest.mark.parametrize(
    "char", ["\x00", "\x1b", "\x7f\x08", "\u202a", "\u202e", "\u2066", "\u2069"]
)
def test_nul_control_and_bidi_override_characters_are_422_naming_the_field(
    edge: Edge, char: str
) -> None:
    answer = edge.post({**edge.body, edge.text_field: f"abc{char}def"})
    problem = assert_problem(answer, 422)
    assert list(problem["errors"]) == [edge.text_field]


def test_tabs_and_line_breaks_are_text_not_forbidden(edge: Edge) -> None:
    answer = edge.post({**edge.body, edge.text_field: "dòng 1\r\n\tdòng 2"})
    if answer.status_code == 422:
        # The field's own rules may refuse it (a URL, a period); the edge did not.
        problem = json.loads(answer.get_data())
        assert problem["detail"] != "Một số trường chứa ký tự không được phép."


# -- what only intake shows: nested fields, path ids, Idempotency-Key, nothing stored --------------
def test_a_forbidden_character_in_a_nested_field_is_named_by_its_path(intake: Any) -> None:
    body = intakekit.document(
        tasks=[intakekit.task_body(), intakekit.task_body(content="Rà soát\u202egnộđ")],
        signer={"name": "Lê\x00Văn C", "position": "Phó Chủ tịch"},
    )
    answer = intake.test_client.post("/api/intake/documents", json=body, headers=intakekit.token())
    errors = assert_problem(answer, 422)["errors"]
    assert {key: list(value) for key, value in errors.items()} == {
        "tasks": ["1"],
        "signer": ["name"],
    }
    assert "U+202E" in errors["tasks"]["1"]["content"][0]
    assert "U+0000" in errors["signer"]["name"][0]
    listed = intake.test_client.get("/api/intake/documents", headers=intakekit.token())
    assert listed.get_json()["total"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"n": {"\u202e": {"x": "\u202e"}}},
        {"a": "\u202e", "b": {"\u202e": {"c": {"d": "\u202e"}}}},
    ],
)
def test_a_forbidden_key_with_a_forbidden_value_under_it_is_422_not_a_500(
    intake: Any, body: dict[str, Any]
) -> None:
    answer = intake.test_client.post("/api/intake/documents", json=body, headers=intakekit.token())
    errors = assert_problem(answer, 422)["errors"]
    assert "U+202E" in str(errors)


def test_an_identifier_with_a_nul_in_the_path_is_404_not_a_500(intake: Any) -> None:
    answer = intake.test_client.get("/api/intake/documents/ab%00cd", headers=intakekit.token())
    assert_problem(answer, 404)


def test_an_idempotency_key_with_control_characters_is_a_400(intake: Any) -> None:
    answer = intake.test_client.post(
        "/api/intake/documents",
        json=intakekit.document(),
        headers={**intakekit.token(), "Idempotency-Key": "k\x01ey"},
    )
    assert_problem(answer, 400)


# -- the development clock route -------------------------------------------------------------------
@pytest.fixture()
def clock_client() -> FlaskClient:
    app = Flask("clock-test")
    install_edge(app, "admin")
    install_clock_routes(app, AdjustableClock())
    return app.test_client()


def post_clock(client: FlaskClient, data: bytes | str) -> Any:
    return client.post("/api/admin/clock", data=data, content_type="application/json")


@pytest.mark.parametrize(
    "raw",
    [
        '{"advance": ' + "[" * 10_000 + "]" * 10_000 + "}",
        '{"advance": ' + "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH + "}",
        '{"advance": "P1D\\ud800"}',
        b'{"advance": "P1D\xff"}',
    ],
    ids=["10000-levels", "65-levels", "lone-surrogate", "bad-utf8"],
)
def test_the_clock_route_answers_400_for_json_it_cannot_read(
    clock_client: FlaskClient, raw: bytes | str
) -> None:
    assert_problem(post_clock(clock_client, raw), 400)


def test_the_clock_route_refuses_a_bidi_override_naming_the_field(
    clock_client: FlaskClient,
) -> None:
    answer = post_clock(clock_client, json.dumps({"advance": "P1D\u202e"}))
    assert list(assert_problem(answer, 422)["errors"]) == ["advance"]


def test_the_clock_route_still_moves_the_clock(clock_client: FlaskClient) -> None:
    answer = post_clock(clock_client, json.dumps({"advance": "P1D"}))
    assert answer.status_code == 200, answer.get_json()
