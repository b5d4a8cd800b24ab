"""What the tests of the Office's two reviewed reports share — the evaluation report (Đ8.1a,
Đ16.2, Đ18.2) and the annual report (Đ20.1): the Office submits its sections to the Office's
leader, who returns them with a reason or approves them, and the Office publishes the approved
report with its number.

Through the workflow API (`act`, `opened_id`, `review_and_publish`) and through the web pages
(`write_and_submit`, `web_review`, `web_publish`, `official_document`); each kind's tests check
what differs (its period or year, its figures) around these."""

from __future__ import annotations

import io
import re
from typing import Any

from docx import Document
from flask.testing import FlaskClient

from services.reporting.documents.pdf import soffice
from tests.integration.webkit import WebSystem, sign_in
from tests.integration.workflowkit import OFFICE, auth, outbox_types
from tests.polling import wait_for

OFFICE_LEAD = auth("office_lead", "VP_UBND")
LEADER = auth("leader", None)
WEB_OFFICE = ("office", "VP_UBND")
WEB_OFFICE_LEAD = ("office_lead", "VP_UBND")


def act(
    service: Any, base: str, case_id: str, action: str, who: dict[str, str], **body: Any
) -> Any:
    return service.client.post(f"{base}/{case_id}/actions/{action}", json=body, headers=who)


def opened_id(answer: Any) -> str:
    """The id of the case an opening made (201)."""
    assert answer.status_code == 201, answer.get_json()
    return str(answer.get_json()["items"][0]["id"])


def review_and_publish(
    service: Any,
    base: str,
    case_id: str,
    *,
    kind: str,
    report_id: str,
    sections: dict[str, str],
    reason: str,
    number: str,
) -> None:
    """Submitted, the report is decided by the Office's leader only — returned with `reason`, it
    goes back to the Office; submitted again and approved, it can no longer be edited and the
    Office publishes it with `number` — and each step but `save` is an event of `kind`."""
    submitted = act(service, base, case_id, "submit", OFFICE, report_id=report_id, **sections)
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["status"] == "submitted"
    # Only the Office's leader decides; the staff cannot approve their own report.
    assert act(service, base, case_id, "approve", OFFICE).status_code == 403
    assert act(service, base, case_id, "approve", LEADER).status_code == 403
    assert act(service, base, case_id, "publish", OFFICE).status_code == 409
    returned = act(service, base, case_id, "return", OFFICE_LEAD, reason=reason)
    assert returned.status_code == 200, returned.get_json()
    assert returned.get_json()["status"] == "returned"
    assert returned.get_json()["actions"] == ["save", "submit"]
    again = act(service, base, case_id, "submit", OFFICE, report_id=report_id, **sections)
    assert again.get_json()["status"] == "submitted"
    approved = act(service, base, case_id, "approve", OFFICE_LEAD)
    assert approved.status_code == 200, approved.get_json()
    assert (approved.get_json()["status"], approved.get_json()["due_on"]) == ("approved", None)
    edit = {next(iter(sections)): "sửa sau duyệt"}
    assert act(service, base, case_id, "save", OFFICE, **edit).status_code == 409
    published = act(service, base, case_id, "publish", OFFICE, number=number)
    assert published.status_code == 200, published.get_json()
    assert published.get_json()["status"] == "published"
    types = [t for t in outbox_types(service) if t.startswith(f"{kind}.")]
    assert types == [
        f"{kind}.submitted",
        f"{kind}.returned",
        f"{kind}.submitted",
        f"{kind}.approved",
        f"{kind}.published",
    ]


def write_and_submit(
    office: FlaskClient, url: str, token: str, sections: dict[str, str], *, missing: str
) -> str:
    """On the report's page the Office cannot submit with a section left empty (`missing` is
    marked), saves its draft, submits it; the page it then shows, read-only."""
    first = next(iter(sections))
    blank = office.post(url, data={"csrf_token": token, "action": "submit", first: "x"})
    assert blank.status_code == 422
    assert re.search(rf'id="f-{missing}"[^>]*aria-invalid="true"', blank.get_data(as_text=True))
    saved = office.post(url, data={"csrf_token": token, "action": "save", **sections})
    assert saved.status_code == 303
    assert sections[missing] in office.get(url).get_data(as_text=True)
    sent = office.post(url, data={"csrf_token": token, "action": "submit", **sections})
    assert sent.status_code == 303
    shown = office.get(url).get_data(as_text=True)
    assert "Đã trình, chờ lãnh đạo Văn phòng duyệt" in shown
    assert "<textarea" not in shown, re.findall(r"<textarea[^>]*>", shown)
    assert 'id="waiting-review"' in shown
    return shown


def web_review(
    web: WebSystem,
    office: FlaskClient,
    url: str,
    token: str,
    sections: dict[str, str],
    reason: str,
) -> None:
    """Only the Office's leader approves or returns the submitted report (a return needs its
    reason); returned, the Office submits it again and the leader approves it."""
    # The Office's staff cannot approve: the workflow refuses anyone but its leader.
    refused = office.post(f"{url}/review/approve", data={"csrf_token": token})
    assert refused.status_code == 403
    assert "Đã trình, chờ lãnh đạo" in office.get(url).get_data(as_text=True)
    lead = web.app().test_client()
    lead_token = sign_in(lead, *WEB_OFFICE_LEAD)
    review = lead.get(url).get_data(as_text=True)
    assert "Duyệt báo cáo" in review and "Trả lại để chỉnh sửa" in review
    blank_reason = lead.post(f"{url}/review/return", data={"csrf_token": lead_token})
    assert blank_reason.status_code == 422
    returned = lead.post(f"{url}/review/return", data={"csrf_token": lead_token, "reason": reason})
    assert returned.status_code == 303
    back = office.get(url).get_data(as_text=True)
    assert "Lãnh đạo Văn phòng trả lại để chỉnh sửa" in back and reason in back
    office.post(url, data={"csrf_token": token, "action": "submit", **sections})
    approved = lead.post(f"{url}/review/approve", data={"csrf_token": lead_token})
    assert approved.status_code == 303
    ready = office.get(url).get_data(as_text=True)
    assert "Lãnh đạo Văn phòng đã duyệt, chờ công bố" in ready
    assert "Công bố trên trang công khai" in ready


def web_publish(
    web: WebSystem, office: FlaskClient, url: str, token: str, number: str, shown_as: str
) -> tuple[str, str, str]:
    """The Office publishes the approved report with `number`; the report's page (showing the
    number and a link to the public page), the public page's path, and the public page once it
    shows the report (its section `id="<shown_as>"`)."""
    published = office.post(f"{url}/publish", data={"csrf_token": token, "number": number})
    assert published.status_code == 303
    done = office.get(url).get_data(as_text=True)
    assert "Đã công bố" in done and f'id="report-number">{number}<' in done
    found = re.search(r'id="public-link" href="([^"]+)"|href="([^"]+)" id="public-link"', done)
    assert found
    public_path = found.group(1) or found.group(2)
    anyone = web.app().test_client()

    def public_page() -> str:
        answer = anyone.get(public_path)
        text = answer.get_data(as_text=True)
        return text if answer.status_code == 200 and f'id="{shown_as}"' in text else ""

    shown = wait_for(public_page, what=f"the published report ({shown_as}) on the public page")
    assert number in shown
    return done, public_path, shown


def official_document(
    office: FlaskClient, url: str, number: str, sections: dict[str, str]
) -> tuple[Any, list[str], str]:
    """The report's DOCX (and its PDF, or why not) in the layout of Nghị định 30/2020, issued by
    the Office with its number, signed by its Chief, with every section; the download, its
    paragraphs and the text of its tables."""
    download = office.get(f"{url}/document.docx")
    assert download.status_code == 200
    assert download.mimetype.endswith("wordprocessingml.document")
    as_pdf = office.get(f"{url}/document.pdf")
    if soffice() is None:  # the DOCX still works; the PDF says why not
        assert as_pdf.status_code == 503 and "LibreOffice" in as_pdf.get_data(as_text=True)
    else:
        assert as_pdf.status_code == 200 and as_pdf.data.startswith(b"%PDF-")
    document = Document(io.BytesIO(download.data))
    paragraphs = [p.text for p in document.paragraphs]
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "VĂN PHÒNG UBND TỈNH THANH HÓA" in cells and f"Số: {number}" in cells
    assert "Nơi nhận:" in cells and "CHÁNH VĂN PHÒNG" in cells and "Tổng cộng" in cells
    for value in sections.values():
        assert value in paragraphs
    return download, paragraphs, cells
