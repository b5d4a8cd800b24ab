"""EDXML messages through the intake HTTP API on SQLite: same rules as JSON documents."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.integration.intakekit import token

SAMPLES = Path(__file__).parent.parent / "data" / "edxml"
PROBLEM_JSON = "application/problem+json"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def post_xml(
    client: FlaskClient,
    text: str | bytes,
    role: str = "qlvb",
    content_type: str = "application/xml",
) -> Any:
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        "/api/intake/documents", data=data, content_type=content_type, headers=token(role)
    )


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("qcvn102_chi_thi.xml", "application/xml"),
        ("qcvn102_nested_ke_hoach.xml", "text/xml; charset=utf-8"),
        ("edoc_cong_van.xml", "text/xml"),
    ],
)
def test_an_edxml_document_lands_as_received_without_tasks(
    intake: Any, name: str, content_type: str
) -> None:
    answer = post_xml(intake.test_client, sample(name), content_type=content_type)
    assert answer.status_code == 201, answer.get_json()
    document = answer.get_json()
    assert document["status"] == "received" and document["tasks"] == []
    fetched = intake.test_client.get(
        f"/api/intake/documents/{document['id']}", headers=token("office")
    )
    assert fetched.get_json()["number"] == document["number"]


def test_the_chi_thi_sample_is_read_field_by_field(intake: Any) -> None:
    document = post_xml(intake.test_client, sample("qcvn102_chi_thi.xml")).get_json()
    assert document["source_id"] == "000.00.00.H56,2026/11/27,25/2026/CT-UBND"
    assert document["number"] == "25/2026/CT-UBND"
    assert (document["type"], document["assigned_by"]) == ("chi_thi", "chu_tich")
    assert document["signer"] == {"name": "Trần Đức Minh", "position": "Chủ tịch"}
    assert document["issued_on"] == "2026-11-27" and document["urgency"] == "khan"
    # Khẩn: the Office must release it on the issue date (Đ6.1a).
    assert document["intake_deadline"] == "2026-11-27"


def test_an_edxml_document_posted_twice_creates_nothing_new(intake: Any) -> None:
    first = post_xml(intake.test_client, sample("qcvn102_nested_ke_hoach.xml"))
    again = post_xml(intake.test_client, sample("qcvn102_nested_ke_hoach.xml"))
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    changed = sample("qcvn102_nested_ke_hoach.xml").replace(
        "năm 2027</edXML:Subject>", "năm 2027 (sửa đổi)</edXML:Subject>"
    )
    assert post_xml(intake.test_client, changed).status_code == 409


def test_a_classified_edxml_document_is_refused_and_nothing_of_it_is_stored_D5_2d(
    intake: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = f"BIMAT{uuid.uuid4().hex[:10]}"
    text = sample("qcvn102_classified.xml").replace("LAMSON26", marker)
    assert marker in text

    answer = post_xml(intake.test_client, text)

    assert answer.status_code == 422 and answer.mimetype == PROBLEM_JSON
    problem = answer.get_json()
    assert problem["article"] == "Đ5.2d" and "Điều 5" in problem["detail"]
    assert marker not in answer.get_data(as_text=True)
    intake.runtime.platform.database.dispose()
    for path in intake.data_dir.rglob("*"):
        if path.is_file():
            assert marker.encode() not in path.read_bytes(), path
    assert marker not in caplog.text
    with intake.runtime.platform.database.read() as conn:
        from services.intake.store import documents, refusals

        assert conn.execute(select(documents)).first() is None
        outbox = intake.runtime.platform.tables.outbox
        event_types = {row.event_type for row in conn.execute(select(outbox.c.event_type))}
        assert not {t for t in event_types if t.startswith(("document.", "task."))}
        refusal = conn.execute(select(refusals)).mappings().one()
    assert refusal["source_id"] == "000.00.00.H56,2026/11/26,07/PA-UBND"
    assert refusal["reason"] == "secrecy=toi_mat; Đ5.2d"


@pytest.mark.parametrize(
    "payload",
    [
        b"<edXMLEnvelope><MessageHeader>",
        b"",
        b"\x00\x01binary",
        (SAMPLES / "billion_laughs.xml").read_bytes(),
        (SAMPLES / "external_entity.xml").read_bytes(),
        (SAMPLES / "not_edxml_soap.xml").read_bytes(),
    ],
)
def test_malformed_or_unsafe_xml_is_a_422_problem_never_a_5xx(intake: Any, payload: bytes) -> None:
    answer = post_xml(intake.test_client, payload)
    assert answer.status_code == 422 and answer.mimetype == PROBLEM_JSON
    assert answer.get_json()["errors"]["edxml"]
    assert "root:" not in answer.get_data(as_text=True)


def test_a_missing_element_is_a_422_naming_it(intake: Any) -> None:
    text = sample("qcvn102_chi_thi.xml")
    start = text.index("<edXML:SignerInfo>")
    end = text.index("</edXML:SignerInfo>") + len("</edXML:SignerInfo>")
    answer = post_xml(intake.test_client, text[:start] + text[end:])
    assert answer.status_code == 422
    assert "SignerInfo/FullName" in answer.get_json()["errors"]["edxml"][0]


def test_an_edxml_number_is_validated_like_a_json_one(intake: Any) -> None:
    text = sample("qcvn102_chi_thi.xml").replace("2026/CT-UBND<", "2026/ct-UBND<")
    answer = post_xml(intake.test_client, text)
    assert answer.status_code == 422 and "number" in answer.get_json()["errors"]


def test_the_office_may_post_edxml_and_other_roles_may_not(intake: Any) -> None:
    assert post_xml(intake.test_client, sample("edoc_cong_van.xml"), role="office").status_code == (
        201
    )
    refused = post_xml(intake.test_client, sample("qcvn102_chi_thi.xml"), role="unit_officer")
    assert refused.status_code == 403


def test_other_content_types_are_still_refused_with_415(intake: Any) -> None:
    answer = post_xml(intake.test_client, sample("qcvn102_chi_thi.xml"), content_type="text/plain")
    assert answer.status_code == 415


def test_the_openapi_document_lists_the_xml_content_types(intake: Any) -> None:
    spec = intake.test_client.get("/api/intake/openapi.json").get_json()
    content = spec["paths"]["/api/intake/documents"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/xml", "text/xml"} <= set(content)


def test_a_bidirectional_override_in_edxml_text_is_refused_like_in_json(intake: Any) -> None:
    text = sample("qcvn102_chi_thi.xml").replace("Về tăng cường", "Về \u202etăng cường", 1)
    answer = post_xml(intake.test_client, text)
    assert answer.status_code == 422 and answer.mimetype == PROBLEM_JSON
