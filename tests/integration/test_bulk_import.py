"""`nhiemvu import`: documents in bulk through the intake API, resumable, with a summary.

The first test runs the real `nhiemvu serve` and the real command; the others use a scripted
HTTP server to show what is sent and how network trouble is survived.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from services.intake import bulk_import
from tests.e2e.conftest import Client, embedded, free_port

__all__ = ["embedded"]  # the fixture, imported for pytest

NHIEMVU = str(Path(sys.executable).parent / "nhiemvu")
MARKER = "BIMATNHAPLO7731"


def a_document(n: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source_id": f"import-test-{n}",
        "number": f"{100 + n}/UBND-VX",
        "type": "cong_van",
        "assigned_by": "pho_chu_tich",
        "signer": {"name": "Lê Đức Giang", "position": "Phó Chủ tịch UBND tỉnh"},
        "issued_on": "2026-11-27",
        "urgency": "thuong",
        "secrecy": None,
        "summary": f"Về việc triển khai nhiệm vụ số {n}",
        "release": n % 5 == 0,
        "tasks": [
            {
                "content": f"Thực hiện nội dung {n}",
                "lead_unit": ("SO_TC", "SO_XD", "SO_YT", "14812")[n % 4],
                "coordinating_units": [],
                "due_on": "2026-12-31",
                "cadence": None,
            }
        ],
    }
    body.update(overrides)
    return body


def broken_task(**task: Any) -> list[dict[str, Any]]:
    return [dict(a_document(0)["tasks"][0], **task)]


def thirty_lines() -> list[str]:
    """23 new documents (one without a source id), a repeat, and six that must be refused."""
    lines = [json.dumps(a_document(n), ensure_ascii=False) for n in range(1, 23)]
    without_source = a_document(23, summary="Văn phòng nhập trực tiếp")
    del without_source["source_id"]
    lines.append(json.dumps(without_source, ensure_ascii=False))
    lines.append(lines[0])  # the very same document again: a duplicate
    refused = [
        a_document(2, summary="Nội dung khác với lần gửi trước"),  # 409: same source id
        a_document(31, number="31/2026/qđ-UBND", type="quyet_dinh"),  # 422: number
        a_document(32, tasks=broken_task(lead_unit="SO_KHONG_CO")),  # 422: unit
        a_document(33, tasks=broken_task(due_on="2026-01-05")),  # 422: due before issued
        a_document(34, secrecy="mat", summary=f"Kế hoạch {MARKER}"),  # 422: Đ5.2d
    ]
    lines += [json.dumps(body, ensure_ascii=False) for body in refused]
    lines.insert(10, '{"source_id": "import-test-hong", "number": ')  # 400: not JSON
    lines.insert(5, "")  # blank lines are skipped
    return lines


def run_import(path: Path, url: str, token: str) -> tuple[int, str, dict[str, int]]:
    done = subprocess.run(
        [NHIEMVU, "import", str(path), "--url", url, "--token", token, "--no-progress"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    counts = {
        kind: int(re.search(rf"{label}.*?: (\d+)", done.stdout).group(1))  # type: ignore[union-attr]
        for kind, label in (
            ("accepted", "Tiếp nhận mới"),
            ("duplicate", "Trùng"),
            ("refused", "Bị từ chối \\(4xx\\)"),
            ("failed", "Không gửi được \\("),
        )
    }
    return done.returncode, done.stdout + done.stderr, counts


@pytest.mark.e2e
def test_import_twice_creates_each_document_once_and_explains_refusals(
    embedded: Client, tmp_path: Path
) -> None:
    source = tmp_path / "van_ban.jsonl"
    source.write_text("\n".join(thirty_lines()) + "\n", encoding="utf-8")
    token = embedded.token("office", "VP_UBND")
    url = embedded.bases["*"]

    code, output, counts = run_import(source, url, token)
    assert code == 0, output
    assert counts == {"accepted": 23, "duplicate": 1, "refused": 6, "failed": 0}, output
    assert re.search(r"van_ban\.jsonl:\d+ \[import-test-2\] 409", output), output
    assert re.search(r"\[import-test-31\] 422: .*number", output), output
    assert re.search(r"\[import-test-32\] 422: .*lead_unit", output), output
    assert re.search(r"\[import-test-33\] 422: .*due_on", output), output
    assert re.search(r"\[import-test-34\] 422: .*Điều 5", output), output
    assert "secrecy:" not in output  # the detail already says it; once is enough
    assert re.search(r"van_ban\.jsonl:12 400: Nội dung không phải JSON", output), output
    assert MARKER not in output

    listed = embedded.call("GET", "/api/intake/documents?limit=1", token).json()
    assert listed["total"] == 23

    code, output, counts = run_import(source, url, token)
    assert code == 0, output
    assert counts == {"accepted": 0, "duplicate": 24, "refused": 6, "failed": 0}, output
    assert embedded.call("GET", "/api/intake/documents?limit=1", token).json()["total"] == 23


class Scripted(BaseHTTPRequestHandler):
    """Answers POSTs from a script of (status, headers) and records what it was sent."""

    script: list[tuple[int, dict[str, str]]] = []
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append({"headers": dict(self.headers), "body": body, "path": self.path})
        status, headers = self.script.pop(0) if self.script else (201, {})
        payload = json.dumps({"title": "t", "detail": f"trả lời {status}"}).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/problem+json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture()
def scripted() -> Iterator[tuple[str, type[Scripted]]]:
    handler = type("Handler", (Scripted,), {"script": [], "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_a_folder_of_edxml_files_is_sent_as_xml_with_stable_keys(
    scripted: tuple[str, type[Scripted]], tmp_path: Path
) -> None:
    url, handler = scripted
    for name in ("b.xml", "a.xml"):
        (tmp_path / name).write_bytes(f"<edXMLEnvelope>{name}</edXMLEnvelope>".encode())
    (tmp_path / "ghi_chu.txt").write_text("not a document")

    first = bulk_import.run(tmp_path, url, "tok", progress=False)
    again = bulk_import.run(tmp_path, url, "tok", progress=False)

    sent = handler.received
    assert [r["body"] for r in sent[:2]] == [
        b"<edXMLEnvelope>a.xml</edXMLEnvelope>",
        b"<edXMLEnvelope>b.xml</edXMLEnvelope>",
    ]
    assert {r["path"] for r in sent} == {"/api/intake/documents"}
    assert {r["headers"]["Content-Type"] for r in sent} == {"application/xml"}
    assert sent[0]["headers"]["Authorization"] == "Bearer tok"
    keys = [r["headers"]["Idempotency-Key"] for r in sent]
    assert keys[:2] == keys[2:] and keys[0] != keys[1]
    assert [o.item.origin for o in first.outcomes] == ["a.xml", "b.xml"]
    assert first.counts["accepted"] == 2 and again.exit_code == 0


def test_network_trouble_is_retried_then_reported_without_crashing(
    scripted: tuple[str, type[Scripted]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, handler = scripted
    source = tmp_path / "hai_dong.jsonl"
    source.write_text('{"source_id": "a"}\n{"source_id": "b"}\n', encoding="utf-8")
    # The first document meets two 503s then goes in; the second outlives every retry.
    handler.script = [(503, {}), (503, {}), (201, {})] + [(503, {})] * 3
    summary = bulk_import.run(source, url, "tok", retries=2, backoff=0.01, progress=False)
    assert [o.kind for o in summary.outcomes] == ["accepted", "failed"]
    assert summary.exit_code == 1
    keys = {r["headers"]["Idempotency-Key"] for r in handler.received[:3]}
    assert len(keys) == 1  # a retry is the same request, so the server can recognise it

    closed = f"http://127.0.0.1:{free_port()}"
    code = bulk_import.main(
        bulk_import_args(source, closed, retries=1),
    )
    output = capsys.readouterr().out
    assert code == 1
    assert "hai_dong.jsonl:1 [a]: lỗi mạng sau 2 lần thử" in output
    assert "Không gửi được (lỗi mạng/máy chủ): 2" in output


def test_a_refused_answer_kept_from_an_earlier_run_is_asked_again(
    scripted: tuple[str, type[Scripted]], tmp_path: Path
) -> None:
    url, handler = scripted
    source = tmp_path / "mot_dong.jsonl"
    source.write_text('{"source_id": "a"}\n', encoding="utf-8")
    # The stored 422 (say, a unit unknown then) is replayed; since the unit now exists, the
    # fresh attempt under another key is accepted.
    handler.script = [(422, {"Idempotent-Replayed": "true"}), (201, {})]
    summary = bulk_import.run(source, url, "tok", progress=False)
    assert [o.kind for o in summary.outcomes] == ["accepted"]
    first, second = (r["headers"]["Idempotency-Key"] for r in handler.received)
    assert second.startswith(first) and second != first


def test_a_replayed_creation_counts_as_a_duplicate_and_a_bad_token_stops_the_run(
    scripted: tuple[str, type[Scripted]], tmp_path: Path
) -> None:
    url, handler = scripted
    source = tmp_path / "hai_dong.jsonl"
    source.write_text('{"source_id": "a"}\n{"source_id": "b"}\n', encoding="utf-8")
    handler.script = [(201, {"Idempotent-Replayed": "true"}), (200, {})]
    assert bulk_import.run(source, url, "tok", progress=False).counts["duplicate"] == 2
    handler.script = [(401, {})]
    stopped = bulk_import.run(source, url, "het-han", progress=False)
    assert stopped.exit_code == 2 and stopped.outcomes == [] and "401" in (stopped.stopped or "")


def bulk_import_args(path: Path, url: str, **overrides: Any) -> Any:
    import argparse

    values = {"path": path, "url": url, "token": "tok", "retries": 4, "timeout": 5.0}
    return argparse.Namespace(**{**values, "no_progress": True, **overrides})


def test_a_key_still_in_progress_is_asked_again_under_the_same_key(
    scripted: tuple[str, type[Scripted]], tmp_path: Path
) -> None:
    url, handler = scripted
    source = tmp_path / "dang_xu_ly.jsonl"
    source.write_text('{"source_id": "a"}\n', encoding="utf-8")
    # An earlier attempt whose answer was lost still runs: 409 with Retry-After, then its 201.
    handler.script = [(409, {"Retry-After": "1"}), (201, {"Idempotent-Replayed": "true"})]
    summary = bulk_import.run(source, url, "tok", retries=2, backoff=0.01, progress=False)
    assert [o.kind for o in summary.outcomes] == ["accepted"]
    keys = [r["headers"]["Idempotency-Key"] for r in handler.received]
    assert len(keys) == 2 and len(set(keys)) == 1
