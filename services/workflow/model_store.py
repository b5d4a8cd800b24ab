"""The deployed versions of each process diagram (`process_models`): finding a version, listing
them, adding one and choosing the one new instances start on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from services.workflow.store import process_models


def newest_model(conn: Connection, process_id: str) -> dict[str, Any] | None:
    return _one_model(
        conn,
        select(process_models)
        .where(process_models.c.process_id == process_id)
        .order_by(process_models.c.version.desc())
        .limit(1),
    )


def active_model(conn: Connection, process_id: str) -> dict[str, Any] | None:
    """The version new instances of the process start on."""
    return _one_model(
        conn,
        select(process_models).where(
            process_models.c.process_id == process_id, process_models.c.active
        ),
    )


def model(conn: Connection, process_id: str, version: int) -> dict[str, Any] | None:
    return _one_model(
        conn,
        select(process_models).where(
            process_models.c.process_id == process_id, process_models.c.version == version
        ),
    )


def model_with_digest(conn: Connection, process_id: str, digest: str) -> dict[str, Any] | None:
    """The newest version of the process whose diagram has this sha256, if any ever had."""
    return _one_model(
        conn,
        select(process_models)
        .where(process_models.c.process_id == process_id, process_models.c.sha256 == digest)
        .order_by(process_models.c.version.desc())
        .limit(1),
    )


def _one_model(conn: Connection, query: Any) -> dict[str, Any] | None:
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


MODEL_FIELDS = (
    "process_id",
    "version",
    "sha256",
    "deployed_at",
    "deployed_by",
    "source",
    "active",
    "activated_at",
    "activated_by",
)


def list_models(conn: Connection, process_id: str | None = None) -> list[dict[str, Any]]:
    query = select(*(process_models.c[name] for name in MODEL_FIELDS)).order_by(
        process_models.c.process_id, process_models.c.version
    )
    if process_id is not None:
        query = query.where(process_models.c.process_id == process_id)
    return [dict(row) for row in conn.execute(query).mappings()]


def add_model(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(process_models).values(**row))


def set_active_model(conn: Connection, process_id: str, version: int, now: Any, by: str) -> None:
    """Make `version` the process's active one (the row exists), in the caller's transaction."""
    conn.execute(
        update(process_models)
        .where(process_models.c.process_id == process_id, process_models.c.active)
        .values(active=False)
    )
    conn.execute(
        update(process_models)
        .where(process_models.c.process_id == process_id, process_models.c.version == version)
        .values(active=True, activated_at=now, activated_by=by)
    )
