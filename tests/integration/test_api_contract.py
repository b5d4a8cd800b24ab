"""Every service's OpenAPI document is valid, and a bounded property-based run (schemathesis) over
every operation, as the Office and as a unit, finds no 5xx and no response outside its schema.

The run is in-process (the services' WSGI apps of one embedded system with the demo data), with
few examples per operation, derandomized (a fixed seed per operation), positive and negative
inputs, no shrinking: what it finds is listed, all at once, by operation and check."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import validate as validate_openapi
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from services.demo import load_demo
from services.embedded import build_system
from services.intake import app as intake_app
from services.notify import app as notify_app
from services.reporting import app as reporting_app
from services.workflow import app as workflow_app
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token

SERVICES = ("intake", "workflow", "notify", "reporting")
SECRET = "api-contract-secret-0123456789-0123456789"
EXAMPLES_PER_OPERATION = 5  # per generation mode; every operation is called as both callers
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@dataclass
class Run:
    operations: int = 0
    requests: int = 0
    failures: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    env = {
        "DATA_DIR": str(tmp_path_factory.mktemp("contract")),
        "JWT_SECRET": SECRET,
        "BUS_NAMESPACE": f"nvct{uuid.uuid4().hex[:10]}",
        "NHIEMVU_ENV": "development",
        "LOG_LEVEL": "CRITICAL",
    }
    system = build_system(env)
    system.migrate()
    system.start()
    load_demo(system)
    try:
        yield {
            "intake": intake_app.create_app(system.intake),
            "workflow": workflow_app.create_app(system.workflow),
            "notify": notify_app.create_app(system.notify),
            "reporting": reporting_app.create_app(system.reporting),
        }
    finally:
        system.stop()


def bearer(role: str, unit: str) -> dict[str, str]:
    settings_ = AuthSettings(
        mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
    )
    token = mint_token(settings_, sub=f"{role}.{unit}", name=role, unit=unit, roles=[role])
    return {"Authorization": f"Bearer {token}"}


CALLERS = {"office": bearer("office", "VP_UBND"), "unit": bearer("unit_officer", "SO_TC")}


@pytest.mark.parametrize("service", SERVICES)
def test_every_openapi_document_is_valid_openapi(apps: dict[str, Any], service: str) -> None:
    document = apps[service].test_client().get(f"/api/{service}/openapi.json").get_json()
    validate_openapi(document)


def document_of(apps: dict[str, Any], service: str) -> dict[str, Any]:
    return dict(apps[service].test_client().get(f"/api/{service}/openapi.json").get_json())


def test_a_case_kind_without_actions_documents_an_empty_list_not_an_empty_enum(
    apps: dict[str, Any],
) -> None:
    schemas = document_of(apps, "workflow")["components"]["schemas"]
    empty = [name for name, schema in schemas.items() if '"enum": []' in json.dumps(schema)]
    assert empty == []
    lists = [
        s["properties"]["actions"] for s in schemas.values() if "actions" in s.get("properties", {})
    ]
    assert {"type": "array", "items": {"type": "string"}, "maxItems": 0} in lists


def test_the_process_model_deploy_documents_its_bpmn_body_and_both_answers(
    apps: dict[str, Any],
) -> None:
    operation = document_of(apps, "workflow")["paths"]["/api/workflow/process-models/{process_id}"]
    post = operation["post"]
    body = post["requestBody"]
    assert body["required"] is True
    assert set(body["content"]) == {"application/xml", "text/xml", "application/bpmn+xml"}
    assert all(c["schema"]["type"] == "string" for c in body["content"].values())
    assert {"200", "201"} <= set(post["responses"])
    assert post["responses"]["200"]["content"] == post["responses"]["201"]["content"]


def test_intake_compliance_documents_the_totals_row_without_a_month(apps: dict[str, Any]) -> None:
    schemas = document_of(apps, "reporting")["components"]["schemas"]
    assert schemas["MonthCompliance"]["properties"]["month"]["nullable"] is True
    answer = (
        apps["reporting"]
        .test_client()
        .get("/api/reporting/intake-compliance?year=2026", headers=CALLERS["office"])
    )
    assert answer.status_code == 200 and answer.get_json()["totals"]["month"] is None


def fuzz(app: Any, service: str) -> Run:
    schema = schemathesis.openapi.from_wsgi(f"/api/{service}/openapi.json", app)
    run = Run()
    for result in schema.get_all_operations():
        operation = result.ok()
        run.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            exercise(run, operation.label, mode, operation.as_strategy(generation_mode=mode))
    return run


def exercise(run: Run, label: str, mode: GenerationMode, cases: Any) -> None:
    @FUZZ_SETTINGS
    @given(case=cases)
    def call_as_each_caller(case: Any) -> None:
        for caller, headers in CALLERS.items():
            response = case.call(headers=headers)
            run.requests += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except (Failure, FailureGroup) as exc:  # each kind of failure, recorded once
                found = exc.exceptions if isinstance(exc, FailureGroup) else (exc,)
                for failure in found:
                    key = f"{label} [{caller}, {mode.value}] {failure.title}"
                    detail = f"{response.status_code}: {failure.message}"[:1200]
                    run.failures.setdefault(key, f"{detail}\n{case.as_curl_command(headers)}")

    # Unsatisfiable: nothing to make invalid (no parameters, no body), so no negative run.
    with contextlib.suppress(Unsatisfiable):
        call_as_each_caller()


@pytest.mark.parametrize("service", SERVICES)
def test_no_operation_answers_5xx_or_outside_its_schema_for_the_office_or_a_unit(
    apps: dict[str, Any], service: str
) -> None:
    started = time.monotonic()
    run = fuzz(apps[service], service)
    seconds = time.monotonic() - started
    print(f"\n{service}: {run.operations} operations, {run.requests} requests, {seconds:.1f} s")
    assert run.operations > 0 and run.requests >= run.operations
    report = "\n\n".join(f"{key}\n{detail}" for key, detail in sorted(run.failures.items()))
    assert not run.failures, f"{len(run.failures)} failures:\n{report}"
