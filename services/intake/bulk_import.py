"""`nhiemvu import`: documents in bulk, each posted through `POST /api/intake/documents`.

Going through the HTTP API (not the database) means every document meets exactly the validation,
the Đ5.2d refusal and the audit of a document sent by the document-management system.

Resuming is safe: the server answers 200 for a `source_id` it already holds, and each request
carries an `Idempotency-Key` made of the file, the line and the content, so a document without a
`source_id` is not created twice either (for the same token subject).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import requests
from tqdm import tqdm

ROUTE = "/api/intake/documents"
RETRYABLE_STATUS = (502, 503, 504)
# A server that stays unreachable for this many documents in a row ends the run early.
GIVE_UP_AFTER = 5


@dataclass(frozen=True)
class Item:
    origin: str  # "file.jsonl:12" or "folder/message.xml": where people find it again
    body: bytes
    content_type: str
    key: str
    label: str | None = None  # the source id, when it can be read


@dataclass(frozen=True)
class Outcome:
    item: Item
    kind: str  # accepted (201), duplicate (200 or a replayed 201), refused (4xx) or failed
    status: int | None
    reason: str = ""


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: str | None = None  # why the run ended before the last document
    seconds: float = 0.0

    @property
    def counts(self) -> Counter[str]:
        return Counter(o.kind for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        if self.stopped and not self.counts["failed"]:
            return 2  # refused credentials: nothing was tried
        return 1 if self.counts["failed"] or self.stopped else 0


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "import", help="post documents in bulk (JSON lines, or a folder of EDXML files)"
    )
    parser.add_argument("path", type=Path, help="a .jsonl file, an .xml file or a folder")
    parser.add_argument(
        "--url",
        default=os.environ.get("NHIEMVU_URL", "http://127.0.0.1:8000"),
        help="where the intake API answers (default $NHIEMVU_URL or http://127.0.0.1:8000)",
    )
    parser.add_argument(
        "--token",
        default=os.environ.get("NHIEMVU_TOKEN"),
        help="a qlvb or office bearer token (default $NHIEMVU_TOKEN)",
    )
    parser.add_argument("--retries", type=int, default=4, help="per document, on network errors")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--no-progress", action="store_true")
    parser.set_defaults(run=main)


def main(args: argparse.Namespace) -> int:
    missing = "" if args.token else "Thiếu token: dùng --token hoặc biến NHIEMVU_TOKEN."
    missing = missing or ("" if args.path.exists() else f"Không tìm thấy {args.path}.")
    if missing:
        print(missing, file=sys.stderr)
        return 2
    options = {"retries": args.retries, "timeout": args.timeout, "progress": not args.no_progress}
    summary = run(args.path, args.url, args.token, **options)
    print_summary(summary, args.path, args.url)
    return summary.exit_code


def run(
    path: Path,
    url: str,
    token: str,
    *,
    retries: int = 4,
    timeout: float = 30.0,
    backoff: float = 0.5,
    progress: bool = True,
) -> Summary:
    endpoint = url.rstrip("/") if url.rstrip("/").endswith(ROUTE) else url.rstrip("/") + ROUTE
    summary = Summary()
    began = time.monotonic()
    unreachable = 0
    with (
        requests.Session() as session,
        tqdm(total=count(path), unit=" văn bản", desc="Nhập", disable=not progress or None) as bar,
    ):
        session.headers["Authorization"] = f"Bearer {token}"
        poster = Poster(session, endpoint, retries, timeout, backoff)
        for item in items(path):
            outcome = poster.post(item)
            if outcome.status in (401, 403):
                summary.stopped = f"Máy chủ từ chối token ({outcome.status}): {outcome.reason}"
                break
            summary.outcomes.append(outcome)
            unreachable = unreachable + 1 if outcome.kind == "failed" else 0
            bar.update()
            bar.set_postfix(summary.counts, refresh=False)
            if unreachable >= GIVE_UP_AFTER:
                summary.stopped = (
                    f"Dừng sau {GIVE_UP_AFTER} văn bản liên tiếp không gửi được; chạy lại lệnh để "
                    "tiếp tục (văn bản đã nhập không bị nhập lại)."
                )
                break
    summary.seconds = time.monotonic() - began
    return summary


@dataclass
class Poster:
    """Posts one document, retrying what the network lost; never raises for the network."""

    session: requests.Session
    endpoint: str
    retries: int = 4
    timeout: float = 30.0
    backoff: float = 0.5

    def post(self, item: Item) -> Outcome:
        response, error, attempts = self._send(item, item.key)
        replayed = response is not None and response.headers.get("Idempotent-Replayed") == "true"
        if response is not None and replayed and response.status_code >= 400:
            # A stored refusal created nothing, and its cause may be gone since (a unit added,
            # EDXML now accepted): ask again under a new key rather than replay the old answer.
            response, error, attempts = self._send(item, f"{item.key}-{uuid.uuid4().hex[:8]}")
            replayed = False
        if response is None:
            return Outcome(item, "failed", None, f"lỗi mạng sau {attempts} lần thử: {error}")
        return _outcome(item, response, created_here=not replayed or attempts > 1)

    def _send(self, item: Item, key: str) -> tuple[requests.Response | None, str, int]:
        headers = {"Content-Type": item.content_type, "Idempotency-Key": key}
        error = ""
        for attempt in range(1, self.retries + 2):
            try:
                response = self.session.post(
                    self.endpoint, data=item.body, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as exc:
                error = f"{type(exc).__name__}: {str(exc)[:160]}"
            else:
                if response.status_code not in RETRYABLE_STATUS and not _in_progress(response):
                    return response, "", attempt
                error = f"HTTP {response.status_code}"
            if attempt <= self.retries:
                time.sleep(min(self.backoff * 2 ** (attempt - 1), 10.0))
        return None, error, self.retries + 1


def _in_progress(response: requests.Response) -> bool:
    """409 with Retry-After: the same key's first request (an earlier attempt of ours whose
    answer was lost) still runs; ask again to get its answer."""
    return response.status_code == 409 and "Retry-After" in response.headers


def _outcome(item: Item, response: requests.Response, *, created_here: bool) -> Outcome:
    status = response.status_code
    if status == 201:
        # A replay of a 201 that an earlier run got is a duplicate; one that this run's own lost
        # answer got (a retry) is the creation.
        return Outcome(item, "accepted" if created_here else "duplicate", status)
    if 200 <= status < 300:
        return Outcome(item, "duplicate", status)
    if 400 <= status < 500:
        return Outcome(item, "refused", status, reason(response))
    return Outcome(item, "failed", status, reason(response))


def reason(response: requests.Response) -> str:
    """The problem+json's detail and field errors, in one line."""
    try:
        problem = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    problem = problem if isinstance(problem, dict) else {}
    text = str(problem.get("detail") or problem.get("title") or f"HTTP {response.status_code}")
    fields = [f for f in _flatten(problem.get("errors") or {}) if not f.endswith(f": {text}")]
    return text + (" — " + "; ".join(fields[:6]) if fields else "")


def _flatten(errors: Any, prefix: str = "") -> list[str]:
    if isinstance(errors, dict):
        return [
            line
            for name, value in errors.items()
            for line in _flatten(value, f"{prefix}.{name}" if prefix else str(name))
        ]
    if isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        return [f"{prefix}: {' '.join(errors)}"]
    return [f"{prefix}: {errors}"]


def sources(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix.lower() in (".xml", ".jsonl"))
    return [path]


def count(path: Path) -> int:
    return sum(
        1 if source.suffix.lower() == ".xml" else sum(1 for _ in _lines(source))
        for source in sources(path)
    )


def items(path: Path) -> Iterator[Item]:
    for source in sources(path):
        if source.suffix.lower() == ".xml":
            body = source.read_bytes()
            yield Item(source.name, body, "application/xml", _key(source, 0, body))
            continue
        for number, line in _lines(source):
            origin = f"{source.name}:{number}"
            yield Item(origin, line, "application/json", _key(source, number, line), _label(line))


def _label(line: bytes) -> str | None:
    try:
        parsed = json.loads(line)
    except ValueError:
        return None  # the server says what is wrong with it
    source_id = parsed.get("source_id") if isinstance(parsed, dict) else None
    return source_id[:200] if isinstance(source_id, str) else None


def _lines(source: Path) -> Iterator[tuple[int, bytes]]:
    with source.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.strip().removeprefix(b"\xef\xbb\xbf").strip()
            if line:
                yield number, line


def _key(source: Path, line: int, body: bytes) -> str:
    content = hashlib.sha256(body).hexdigest()
    where = f"{source.resolve()}\n{line}\n{content}".encode()
    return "import-" + hashlib.sha256(where).hexdigest()[:40]


def print_summary(summary: Summary, path: Path, url: str, out: IO[str] | None = None) -> None:
    out = out or sys.stdout
    counts = summary.counts
    total = sum(counts.values())
    rate = total / summary.seconds if summary.seconds else 0.0
    lines = [
        f"Nhập {path} vào {url}: {total} văn bản trong {_decimal(summary.seconds)} s "
        f"({_decimal(rate)} văn bản/s).",
        f"  Tiếp nhận mới (201): {counts['accepted']}",
        f"  Trùng, đã có từ trước (200): {counts['duplicate']}",
        f"  Bị từ chối (4xx): {counts['refused']}",
        f"  Không gửi được (lỗi mạng/máy chủ): {counts['failed']}",
    ]
    for kind, title in (("refused", "Bị từ chối"), ("failed", "Không gửi được")):
        listed = [o for o in summary.outcomes if o.kind == kind]
        if listed:
            lines.append(f"{title}:")
            lines += [
                f"  {o.item.origin}"
                + (f" [{o.item.label}]" if o.item.label else "")
                + (f" {o.status}" if o.status else "")
                + f": {o.reason}"
                for o in listed
            ]
    if summary.stopped:
        lines.append(summary.stopped)
    print("\n".join(lines), file=out, flush=True)


def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")
