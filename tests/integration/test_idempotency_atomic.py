"""Idempotency-Key under concurrency and crashes, on SQLite and PostgreSQL, through the services'
APIs: the key is claimed in the transaction that does the work and stores the answer, so ten
parallel requests with one key do the work once and get one answer, and a request that fails
after its work leaves neither the work nor an answer behind."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

import shared.idempotency
from services.intake import handlers as intake_handlers
from services.intake import routes as intake_api
from services.workflow import store as workflow_store
from tests.integration import workflowkit
from tests.integration.intakekit import ON_BOTH_DATABASES as INTAKE_ON_BOTH_DATABASES
from tests.integration.intakekit import document, token
from tests.integration.workflowkit import LEAD, OFFICE, release

PARALLEL = 10
# As intake announces them
WORKFLOW_ON_BOTH_DATABASES = workflowkit.on_both_databases(
    workflowkit.Setup(units=("VP_UBND", "SO_TC"))
)


# -- fixtures: each service on SQLite and on PostgreSQL --------------------------------------------
def in_parallel(call: Callable[[], Any], n: int = PARALLEL) -> list[Any]:
    """`call` from n threads released together; their answers."""
    barrier = threading.Barrier(n)
    answers: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        answers[i] = call()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def assert_one_answer(answers: list[Any], status: int) -> Any:
    """Every answer is the same one (the first run's, replayed), or a 409 'in progress' with
    Retry-After; returns the answer."""
    ran = [a for a in answers if a.status_code != 409]
    waited = [a for a in answers if a.status_code == 409]
    for answer in waited:
        assert answer.headers["Retry-After"].isdigit(), answer.get_json()
    assert ran, [a.get_json() for a in answers]
    assert {a.status_code for a in ran} == {status}, [a.get_json() for a in ran]
    assert len({a.get_data() for a in ran}) == 1
    assert sum("Idempotent-Replayed" not in a.headers for a in ran) == 1
    return ran[0].get_json()


def count(database: Any, table: Any, *where: Any) -> int:
    with database.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar())


def idempotency_rows(platform: Any) -> int:
    return count(platform.database, platform.tables.idempotency)


# -- intake: documents -----------------------------------------------------------------------------
def post_document(service: Any, body: dict[str, Any], key: str) -> Any:
    client = service.test_client.application.test_client()
    return client.post(
        "/api/intake/documents", json=body, headers={**token(), "Idempotency-Key": key}
    )


@INTAKE_ON_BOTH_DATABASES
def test_ten_parallel_posts_with_one_key_create_one_document(intake: Any) -> None:
    # Without a source_id every run would be a new document: only the key prevents a second.
    body = document(source_id=None, release=True)
    answers = in_parallel(lambda: post_document(intake, body, "doc-key-1"))

    created = assert_one_answer(answers, 201)
    documents = intake.runtime.platform.metadata.tables["documents"]
    assert count(intake.runtime.platform.database, documents) == 1
    outbox = intake.runtime.platform.tables.outbox
    assert (
        count(intake.runtime.platform.database, outbox, outbox.c.event_type == "document.received")
        == 1
    )
    assert idempotency_rows(intake.runtime.platform) == 1
    again = post_document(intake, body, "doc-key-1")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == created


@INTAKE_ON_BOTH_DATABASES
def test_a_crash_after_the_work_stores_neither_the_work_nor_the_answer_and_the_retry_runs_once(
    intake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window 'committed, then died before saving the answer' does not exist: the work and
    the answer commit together, so a view that fails after its unit of work leaves nothing."""
    body = document(source_id=None, release=True)
    real_view = intake_api.document_view
    crashes = []

    def crash_once(*args: Any, **kwargs: Any) -> Any:
        if not crashes:
            crashes.append(1)
            raise RuntimeError("the process dies after the commit of its unit of work")
        return real_view(*args, **kwargs)

    monkeypatch.setattr(intake_api, "document_view", crash_once)
    documents = intake.runtime.platform.metadata.tables["documents"]
    outbox = intake.runtime.platform.tables.outbox
    events_before = count(intake.runtime.platform.database, outbox)

    crashed = post_document(intake, body, "doc-key-crash")
    assert crashed.status_code == 500
    assert count(intake.runtime.platform.database, documents) == 0
    assert count(intake.runtime.platform.database, outbox) == events_before
    assert idempotency_rows(intake.runtime.platform) == 0

    retried = post_document(intake, body, "doc-key-crash")
    assert retried.status_code == 201, retried.get_json()
    assert "Idempotent-Replayed" not in retried.headers
    assert post_document(intake, body, "doc-key-crash").get_data() == retried.get_data()
    assert count(intake.runtime.platform.database, documents) == 1


@INTAKE_ON_BOTH_DATABASES
def test_a_refused_request_frees_its_key_and_keeps_what_it_meant_to_record_D5_2d(
    intake: Any,
) -> None:
    """A 4xx stores no answer, so the corrected request runs; the refusal's own record (a
    classified document is logged, Đ5.2d) is kept, as without a key."""
    classified = post_document(intake, document(secrecy="mat"), "doc-key-refused")
    assert classified.status_code == 422
    refusals = intake.runtime.platform.metadata.tables["refusals"]
    assert count(intake.runtime.platform.database, refusals) == 1
    assert idempotency_rows(intake.runtime.platform) == 0

    corrected = post_document(intake, document(), "doc-key-refused")
    assert corrected.status_code == 201, corrected.get_json()
    assert "Idempotent-Replayed" not in corrected.headers


@INTAKE_ON_BOTH_DATABASES
def test_one_key_with_another_body_is_refused_409_and_runs_nothing(intake: Any) -> None:
    first = post_document(intake, document(source_id=None), "doc-key-other")
    assert first.status_code == 201
    other = post_document(intake, document(source_id=None, summary="Khác"), "doc-key-other")
    assert other.status_code == 409
    assert other.get_json()["key"] == "doc-key-other"
    documents = intake.runtime.platform.metadata.tables["documents"]
    assert count(intake.runtime.platform.database, documents) == 1


@pytest.mark.parametrize(
    "intake", [pytest.param("postgresql", marks=pytest.mark.services)], indirect=True
)
def test_a_request_that_waits_too_long_for_its_key_gets_409_in_progress_with_retry_after(
    intake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared.idempotency, "DEFAULT_WAIT_SECONDS", 0.2)
    intake.test_client = intake_api_app(intake)
    real = intake_handlers.receive_document
    started, proceed = threading.Event(), threading.Event()

    def slow(*args: Any, **kwargs: Any) -> Any:
        started.set()
        assert proceed.wait(30)  # held until the second request has had its answer
        return real(*args, **kwargs)

    monkeypatch.setattr(intake_handlers, "receive_document", slow)
    body = document(source_id=None)
    first: list[Any] = []
    runner = threading.Thread(target=lambda: first.append(post_document(intake, body, "k-slow")))
    runner.start()
    assert started.wait(10)
    try:
        waiting = post_document(intake, body, "k-slow")
    finally:
        proceed.set()
    runner.join(30)

    assert waiting.status_code == 409, waiting.get_json()
    assert waiting.mimetype == "application/problem+json"
    assert waiting.headers["Retry-After"] == "1"
    assert first[0].status_code == 201
    retry = post_document(intake, body, "k-slow")
    assert retry.get_data() == first[0].get_data()
    documents = intake.runtime.platform.metadata.tables["documents"]
    assert count(intake.runtime.platform.database, documents) == 1


def intake_api_app(service: Any) -> Any:
    from services.intake.app import create_app

    return create_app(service).test_client()


# -- workflow: a task action and a case opening ----------------------------------------------------
@WORKFLOW_ON_BOTH_DATABASES
def test_ten_parallel_report_progress_with_one_key_add_one_history_entry(workflow: Any) -> None:
    task_id = release(workflow)
    accepted = workflow.client.post(f"/api/workflow/tasks/{task_id}/actions/accept", headers=LEAD)
    assert accepted.status_code == 200, accepted.get_json()
    app = workflow.client.application

    def report() -> Any:
        return app.test_client().post(
            f"/api/workflow/tasks/{task_id}/actions/report_progress",
            json={"note": "Đã giải ngân 40%"},
            headers={**LEAD, "Idempotency-Key": "progress-1"},
        )

    answer = assert_one_answer(in_parallel(report), 200)
    assert [h["action"] for h in answer["history"]].count("report_progress") == 1
    history = workflow_store.metadata.tables["task_history"]
    reported = count(
        workflow.runtime.platform.database,
        history,
        history.c.task_id == task_id,
        history.c.action == "report_progress",
    )
    assert reported == 1


@WORKFLOW_ON_BOTH_DATABASES
def test_ten_parallel_info_request_openings_with_one_key_open_one_case(workflow: Any) -> None:
    app = workflow.client.application
    payload = {
        "subject": "topic",
        "topic": "Giải ngân vốn đầu tư công",
        "question": "Đề nghị báo cáo tỷ lệ giải ngân đến ngày 30/11",
        "units": ["SO_TC"],
        "due_on": "2026-12-04",
    }

    def ask() -> Any:
        return app.test_client().post(
            "/api/workflow/info-requests",
            json=payload,
            headers={**OFFICE, "Idempotency-Key": f"ask-{key}"},
        )

    key = uuid.uuid4().hex
    opened = assert_one_answer(in_parallel(ask), 201)
    assert len(opened["items"]) == 1
    cases = workflow_store.metadata.tables["cases"]
    assert count(workflow.runtime.platform.database, cases, cases.c.kind == "info_request") == 1
