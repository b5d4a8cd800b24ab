"""Deployed process models: versions in the database, parsed specs cached in the process.

Each process has one *active* version: new instances (a task released, a case opened) start on
it, running ones keep their own. bpmn/ holds the shipped defaults: at start a file is deployed
only when its content is new to its process, and it becomes active only where the start-up chose
the active version too (a fresh database, or an active version that came from bpmn/). A version a
person chose (a process owner's deploy or activation, an operator's command) stays active until a
person chooses another (docs/adding-a-process.md)."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from services.workflow import model_store, store
from services.workflow.case_store import cases
from services.workflow.domain import CLOSED
from services.workflow.engine import DiagramError, Engine, ProcessModel
from shared.errors import NotFound, ValidationFailed
from shared.platform import UnitOfWork

TASK_PROCESS = "task_lifecycle"
# How long a process may keep starting instances on the version it last saw as active. A deploy
# or an activation made by this process takes effect at once; one made by another process within
# this delay.
NEWEST_TTL_SECONDS = 2.0
# Who deploys and activates the diagrams of bpmn/ at start (deployed_by, activated_by).
FROM_DISK = "bpmn/"
FILE, API, CLI = "file", "api", "cli"


class ModelRegistry:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cache: dict[tuple[str, int], ProcessModel] = {}
        self._active: dict[str, tuple[float, ProcessModel]] = {}
        self._lock = threading.Lock()

    def active(self, conn: Connection, process_id: str) -> ProcessModel:
        """The version new instances of the process start on."""
        seen = self._active.get(process_id)
        if seen is not None and time.monotonic() - seen[0] < NEWEST_TTL_SECONDS:
            return seen[1]
        row = model_store.active_model(conn, process_id)
        if row is None:
            raise NotFound(f"Chưa triển khai quy trình {process_id}.", process_id=process_id)
        parsed = self._parsed(row)
        self._active[process_id] = (time.monotonic(), parsed)
        return parsed

    def get(self, conn: Connection, process_id: str, version: int) -> ProcessModel:
        key = (process_id, version)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        row = model_store.model(conn, process_id, version)
        if row is None:
            raise NotFound(f"Không có phiên bản {version} của quy trình {process_id}.")
        return self._parsed(row)

    def deploy(
        self,
        conn: Connection,
        process_id: str,
        bpmn_xml: bytes,
        now: Any,
        by: str | None,
        *,
        source: str = API,
        activate: bool = True,
    ) -> tuple[dict[str, Any], bool, bool]:
        """A person's deploy: validate and store a new version, active unless `activate` is
        false; answers the row, whether a version was created and whether it was activated. A
        diagram deployed already for the process deploys nothing: its version is answered (and
        made active when `activate`)."""
        digest = hashlib.sha256(bpmn_xml).hexdigest()
        row = model_store.model_with_digest(conn, process_id, digest)
        created = row is None
        if row is None:
            row = self._add(conn, process_id, bpmn_xml, digest, now, by, source)
        activated = False
        if activate:
            row, activated = self.activate(conn, process_id, row["version"], now, by or source)
        return row, created, activated

    def deploy_file(
        self, conn: Connection, process_id: str, bpmn_xml: bytes, now: Any
    ) -> tuple[dict[str, Any], bool]:
        """A shipped default from bpmn/: deployed only when its content is new to the process,
        active only when no person chose the active version."""
        digest = hashlib.sha256(bpmn_xml).hexdigest()
        known = model_store.model_with_digest(conn, process_id, digest)
        if known is not None:
            return known, False
        active = model_store.active_model(conn, process_id)
        row = self._add(conn, process_id, bpmn_xml, digest, now, FROM_DISK, FILE)
        if active is None or active["activated_by"] == FROM_DISK:
            row, _changed = self.activate(conn, process_id, row["version"], now, FROM_DISK)
        return row, True

    def deploy_directory(self, conn: Connection, directory: Path, now: Any) -> list[str]:
        """Deploy each `<process_id>.bpmn` whose content is new to its process."""
        deployed = []
        for path in sorted(directory.glob("*.bpmn")):
            _row, created = self.deploy_file(conn, path.stem, path.read_bytes(), now)
            if created:
                deployed.append(path.name)
        return deployed

    def activate(
        self, conn: Connection, process_id: str, version: int, now: Any, by: str
    ) -> tuple[dict[str, Any], bool]:
        """Make a deployed version the one new instances start on: its row as it is now, and
        whether that changed anything (the active version again changes nothing)."""
        row = model_store.model(conn, process_id, version)
        if row is None:
            raise NotFound(f"Không có phiên bản {version} của quy trình {process_id}.")
        if row["active"]:
            return row, False
        model_store.set_active_model(conn, process_id, version, now, by)
        with self._lock:
            self._active.pop(process_id, None)
        return {**row, "active": True, "activated_at": now, "activated_by": by}, True

    def _add(
        self,
        conn: Connection,
        process_id: str,
        bpmn_xml: bytes,
        digest: str,
        now: Any,
        by: str | None,
        source: str,
    ) -> dict[str, Any]:
        newest = model_store.newest_model(conn, process_id)
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
            "source": source,
            "active": False,
            "activated_at": None,
            "activated_by": None,
        }
        model_store.add_model(conn, row)
        with self._lock:
            self._cache[(process_id, version)] = parsed
        return row

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


def running_counts(conn: Connection, process_id: str | None = None) -> dict[tuple[str, int], int]:
    """How many instances run on each version: tasks not closed and cases not closed."""
    counts: dict[tuple[str, int], int] = {}
    tasks = store.task_instances
    queries = [
        select(tasks.c.process_id, tasks.c.process_version, func.count())
        .where(tasks.c.status.not_in(sorted(CLOSED)))
        .group_by(tasks.c.process_id, tasks.c.process_version),
        select(cases.c.process_id, cases.c.process_version, func.count())
        .where(cases.c.closed_at.is_(None))
        .group_by(cases.c.process_id, cases.c.process_version),
    ]
    for query in queries:
        if process_id is not None:
            query = query.where(query.selected_columns[0] == process_id)
        for pid, version, count in conn.execute(query):
            counts[(pid, version)] = counts.get((pid, version), 0) + count
    return counts


def model_listing(conn: Connection, process_id: str | None = None) -> list[dict[str, Any]]:
    """Every deployed version (of one process), with its instances running."""
    counts = running_counts(conn, process_id)
    return [
        {**row, "running": counts.get((row["process_id"], row["version"]), 0)}
        for row in model_store.list_models(conn, process_id)
    ]


def model_view(row: dict[str, Any]) -> dict[str, Any]:
    """A version as the API and the command line show it (without its diagram)."""
    return {k: row[k] for k in model_store.MODEL_FIELDS}


def audit_model(
    uow: UnitOfWork, actor: dict[str, Any], row: dict[str, Any], created: bool, activated: bool
) -> None:
    """The audit trail of a person's deploy or activation (the start-up's are not audited)."""
    entity = f"{row['process_id']}:{row['version']}"
    if created:
        uow.audit(
            actor,
            "process_model.deployed",
            "process_model",
            entity,
            {"sha256": row["sha256"], "source": row["source"]},
        )
    if activated:
        uow.audit(actor, "process_model.activated", "process_model", entity, {"active": True})
