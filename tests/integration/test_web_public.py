"""The public results pages (Đ16.2): `/cong-khai`, one page per published report and the Atom feed,
without sign-in, showing only what published reports contain; framed only by the configured
origins (PUBLIC_FRAME_ANCESTORS)."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from services.web.app import create_app
from services.web.config import WebConfigError
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from tests.integration.webkit import SECRET, WebSystem, running_system, sign_in
from tests.polling import wait_for

ATOM = "{http://www.w3.org/2005/Atom}"
PUBLISHER = "Nguyễn Thị Công Bố"  # the person who publishes: never on a public page
SECRET_TASK = f"Nội dung nhiệm vụ nội bộ {uuid.uuid4().hex[:6]}"
PORTAL = "https://cong.thanhhoa.gov.vn"


def office_headers() -> dict[str, str]:
    settings = AuthSettings(
        mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
    )
    token = mint_token(
        settings, sub="vanphong.congbo", name=PUBLISHER, unit="VP_UBND", roles=["office_lead"]
    )
    return {"Authorization": f"Bearer {token}"}


def reporting(web: WebSystem, method: str, path: str, body: Any = None) -> Any:
    answer = requests.request(
        method,
        f"{web.base_url}/api/reporting{path}",
        json=body,
        headers=office_headers(),
        timeout=30,
    )
    assert answer.status_code < 300, answer.text
    return answer.json()


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    yield from running_system(Path(tmp_path_factory.mktemp("public")))


@pytest.fixture(scope="module")
def reports(web: WebSystem) -> dict[str, Any]:
    """A task without a due date, so that it is on the report's Đ17.4 list; then one report
    published and one kept internal."""
    body = {
        "source_id": f"public-{uuid.uuid4().hex[:8]}",
        "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-VX",
        "type": "cong_van",
        "assigned_by": "pho_chu_tich",
        "signer": {"name": "Lê Văn C", "position": "Phó Chủ tịch UBND tỉnh"},
        "issued_on": "2026-12-01",
        "urgency": "thuong",
        "secrecy": None,
        "summary": "Về việc công khai kết quả",
        "release": True,
        "tasks": [
            {
                "content": SECRET_TASK,
                "lead_unit": "SO_TC",
                "coordinating_units": [],
                "due_on": None,
                "cadence": "quarterly",
            }
        ],
    }
    answer = web.api("POST", "/api/intake/documents", "office", "VP_UBND", json=body)
    assert answer.status_code == 201, answer.text
    wait_for(
        lambda: any(
            row["content"] == SECRET_TASK
            for row in reporting(web, "GET", "/explanations?period=2026&limit=100")["items"]
        ),
        what="the task on reporting's Đ17.4 list",
    )
    published = reporting(web, "POST", "/reports", {"period": "2026"})
    reporting(web, "POST", f"/reports/{published['id']}/publish")
    internal = reporting(web, "POST", "/reports", {"period": "2026-H2"})
    full = reporting(web, "GET", f"/reports/{published['id']}")
    assert any(row["content"] == SECRET_TASK for row in full["explanations"])
    return {"published": full, "internal": internal}


@pytest.fixture()
def client(web: WebSystem) -> Any:
    return web.app().test_client()


def text(answer: Any) -> str:
    return str(answer.get_data(as_text=True))


def test_the_public_page_lists_published_reports_only_without_sign_in_D16_2(
    client: Any, reports: dict[str, Any]
) -> None:
    published, internal = reports["published"], reports["internal"]
    answer = client.get("/cong-khai")
    assert answer.status_code == 200
    page = text(answer)
    assert f"/cong-khai/bao-cao/{published['id']}" in page
    assert internal["id"] not in page
    assert "Kỳ gần nhất: năm 2026" in page and "Xếp hạng các đơn vị" in page
    for unit in published["units"]:  # each unit of the latest period, with its rate
        assert unit["name"] in page
    assert 'rel="alternate" type="application/atom+xml"' in page
    assert 'media="print"' in page and "css/print.css" in page
    assert "Set-Cookie" not in answer.headers  # no session for a visitor


def test_no_persons_name_nor_task_content_reaches_the_public_pages_D16_2(
    client: Any, reports: dict[str, Any]
) -> None:
    published = reports["published"]
    pages = [
        text(client.get("/cong-khai")),
        text(client.get(f"/cong-khai/bao-cao/{published['id']}")),
        text(client.get("/cong-khai/feed.atom")),
    ]
    forbidden = [PUBLISHER, "vanphong.congbo", SECRET_TASK, "Lê Văn C", "Nguyễn Văn A"]
    forbidden += [row["content"] for row in published["explanations"] if row.get("content")]
    for page in pages:
        for words in forbidden:
            assert words not in page


def test_one_page_per_published_report_and_none_for_the_others_D16_2(
    client: Any, reports: dict[str, Any]
) -> None:
    published, internal = reports["published"], reports["internal"]
    shown = client.get(f"/cong-khai/bao-cao/{published['id']}")
    assert shown.status_code == 200
    page = text(shown)
    assert "Kết quả thực hiện nhiệm vụ năm 2026" in page
    assert "Toàn tỉnh" in page and "Tỷ lệ đúng hạn" in page
    for path in (f"/cong-khai/bao-cao/{internal['id']}", "/cong-khai/bao-cao/khong-co"):
        missing = client.get(path)
        assert missing.status_code == 404 and "Không tìm thấy báo cáo" in text(missing)
        assert internal["period"] not in text(missing) and "Set-Cookie" not in missing.headers


def test_the_atom_feed_parses_and_lists_only_published_reports(
    client: Any, reports: dict[str, Any]
) -> None:
    published, internal = reports["published"], reports["internal"]
    answer = client.get("/cong-khai/feed.atom")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(answer.data)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert (feed.findtext(f"{ATOM}{name}") or "").strip(), name
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert (links["self"] or "").endswith("/cong-khai/feed.atom")
    entries = feed.findall(f"{ATOM}entry")
    hexa = published["id"]
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        f"urn:uuid:{hexa[:8]}-{hexa[8:12]}-{hexa[12:16]}-{hexa[16:20]}-{hexa[20:]}"
    ]
    [entry] = entries
    for name in ("title", "updated", "summary"):
        assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
    assert entry.findtext(f"{ATOM}title") == "Báo cáo năm 2026"
    link = entry.find(f"{ATOM}link")
    assert link is not None and (link.get("href") or "").endswith(f"/cong-khai/bao-cao/{hexa}")
    assert internal["id"] not in text(answer)


def test_only_public_pages_may_be_framed_and_only_by_the_configured_origins(
    web: WebSystem, reports: dict[str, Any]
) -> None:
    report_page = f"/cong-khai/bao-cao/{reports['published']['id']}"
    public_paths = ("/cong-khai", report_page, "/cong-khai/feed.atom")
    refused = web.app().test_client()
    for path in (*public_paths, "/", "/login"):
        answer = refused.get(path)
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"], path
        assert answer.headers["X-Frame-Options"] == "DENY", path

    portal = web.app(PUBLIC_FRAME_ANCESTORS=f" {PORTAL}  https://*.thanhhoa.gov.vn ")
    framed = portal.test_client()
    for path in public_paths:
        answer = framed.get(path)
        policy = answer.headers["Content-Security-Policy"]
        assert f"frame-ancestors {PORTAL} https://*.thanhhoa.gov.vn" in policy, path
        assert "'none'" not in policy.split("frame-ancestors")[1]
        assert "script-src 'self'" in policy and "X-Frame-Options" not in answer.headers
    for path in ("/", "/login", "/healthz"):
        answer = framed.get(path)
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"], path
        assert answer.headers["X-Frame-Options"] == "DENY"
    sign_in(framed, "office", "VP_UBND")
    office = framed.get("/office")
    assert "frame-ancestors 'none'" in office.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "value",
    ["https://portal.example/path", "'unsafe-inline'", "https://a.example;script-src *", "*"],
)
def test_a_frame_ancestor_that_is_not_an_origin_refuses_the_start(
    web: WebSystem, value: str
) -> None:
    with pytest.raises(WebConfigError, match="PUBLIC_FRAME_ANCESTORS"):
        create_app({**web.env, "PUBLIC_FRAME_ANCESTORS": value})


def test_visitors_find_the_public_results_from_the_home_page_signed_in_people_do_not(
    client: Any,
) -> None:
    home = client.get("/")
    assert home.status_code == 200
    assert 'href="/cong-khai"' in text(home) and 'href="/login"' in text(home)
    sign_in(client, "office", "VP_UBND")
    assert client.get("/").headers["Location"].endswith("/office")
