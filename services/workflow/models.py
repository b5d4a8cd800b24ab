"""Deployed process models: versions in the database, parsed specs cached in the process."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from services.workflow import store
from services.workflow.engine import DiagramError, Engine, ProcessModel
from shared.errors import NotFound, ValidationFailed

TASK_PROCESS = "task_lifecycle"
# How long a process may keep starting instances on the version it last saw as newest. A deploy
# made by this process takes effect at once; one made by another process within this delay.
NEWEST_TTL_SECONDS = 2.0


class ModelRegistry:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cache: dict[tuple[str, int], ProcessModel] = {}
        self._newest: dict[str, tuple[float, ProcessModel]] = {}
        self._lock = threading.Lock()

    def newest(self, conn: Connection, process_id: str) -> ProcessModel:
        seen = self._newest.get(process_id)
        if seen is not None and time.monotonic() - seen[0] < NEWEST_TTL_SECONDS:
            return seen[1]
        row = store.newest_model(conn, process_id)
        if row is None:
            raise NotFound(f"Chưa triển khai quy trình {process_id}.", process_id=process_id)
        parsed = self._parsed(row)
        self._newest[process_id] = (time.monotonic(), parsed)
        return parsed

    def get(self, conn: Connection, process_id: str, version: int) -> ProcessModel:
        key = (process_id, version)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        row = store.model(conn, process_id, version)
        if row is None:
            raise NotFound(f"Không có phiên bản {version} của quy trình {process_id}.")
        return self._parsed(row)

    def deploy(
        self, conn: Connection, process_id: str, bpmn_xml: bytes, now: Any, by: str | None
    ) -> tuple[dict[str, Any], bool]:
        """Validate and store a new version; the same diagram again deploys nothing."""
        digest = hashlib.sha256(bpmn_xml).hexdigest()
        newest = store.newest_model(conn, process_id)
        if newest is not None and newest["sha256"] == digest:
            return newest, False
        version = (newest["version"] + 1) if newest else 1
        try:
            parsed = self.engine.parse(bpmn_xml, process_id, version)
        except DiagramError as exc:
            raise refusal(exc) from exc
        row = {
            "process_id": process_id,
            "version": version,
            "bpmn_xml": bpmn_xml,
            "sha256": digest,
            "deployed_at": now,
            "deployed_by": by,
        }
        store.add_model(conn, row)
        with self._lock:
            self._cache[(process_id, version)] = parsed
            self._newest.pop(process_id, None)
        return row, True

    def deploy_directory(self, conn: Connection, directory: Path, now: Any) -> list[str]:
        """Deploy each `<process_id>.bpmn` whose content differs from its newest version."""
        deployed = []
        for path in sorted(directory.glob("*.bpmn")):
            _row, created = self.deploy(conn, path.stem, path.read_bytes(), now, "bpmn/")
            if created:
                deployed.append(path.name)
        return deployed

    def _parsed(self, row: dict[str, Any]) -> ProcessModel:
        key = (row["process_id"], row["version"])
        with self._lock:
            cached = self._cache.get(key)
            if cached is None:
                cached = self.engine.parse(
                    bytes(row["bpmn_xml"]), row["process_id"], row["version"]
                )
                self._cache[key] = cached
        return cached


def refusal(error: DiagramError) -> ValidationFailed:
    """A refused diagram as a 422: every problem, in the field errors as text and in
    `diagram_errors` as data (the element's id, name and BPMN type, and the message)."""
    problems = error.problems
    return ValidationFailed(
        f"Sơ đồ BPMN không hợp lệ ({len(problems)} lỗi), chưa được triển khai.",
        {"bpmn": [problem.text for problem in problems]},
        diagram_errors=[problem.as_dict() for problem in problems],
    )
