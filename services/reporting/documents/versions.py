"""The templates in force (docs/documents.md): for each kind, the newest version the Office
uploaded, or the shipped one (services/reporting/documents/templates/) when it uploaded none or
reset the kind. An upload must be a DOCX that renders with the kind's sample context, or it is
refused and the template in force stays; every version is kept (its bytes in the file store)
and audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from services.reporting.documents import registry
from services.reporting.documents.render import TemplateBroken, render
from services.reporting.store import document_templates as table
from shared.auth import Principal
from shared.files import DOCX, FileStore
from shared.platform import UnitOfWork

SAMPLE_DAY = date(2026, 12, 31)


def in_force(conn: Connection, kind: str) -> dict[str, Any] | None:
    """The newest version row of `kind` (None: never changed, the shipped one is in force)."""
    row = (
        conn.execute(select(table).where(table.c.kind == kind).order_by(table.c.version.desc()))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def template(conn: Connection, files: FileStore, kind: str) -> bytes:
    """The bytes of the template in force for `kind`."""
    registry.kind_of(kind)
    row = in_force(conn, kind)
    if row is None or row["sha256"] is None:
        return registry.shipped(kind)
    return files.read(row["sha256"])


def listing(conn: Connection) -> list[dict[str, Any]]:
    """Every kind with the template in force and its versions, newest first."""
    rows = conn.execute(select(table).order_by(table.c.kind, table.c.version.desc())).mappings()
    versions: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        versions.setdefault(row["kind"], []).append(_version(row))
    return [describe(kind, versions.get(kind, [])) for kind in registry.KINDS]


def versions_of(conn: Connection, kind: str) -> dict[str, Any]:
    registry.kind_of(kind)
    rows = conn.execute(
        select(table).where(table.c.kind == kind).order_by(table.c.version.desc())
    ).mappings()
    return describe(kind, [_version(row) for row in rows])


def describe(kind: str, versions: list[dict[str, Any]]) -> dict[str, Any]:
    found = registry.kind_of(kind)
    current = versions[0] if versions else None
    return {
        "kind": kind,
        "label": found.label,
        "articles": found.articles,
        "version": current["version"] if current else 0,
        "shipped": current is None or current["shipped"],
        "current": current,
        "versions": versions,
    }


def _version(row: Any) -> dict[str, Any]:
    return {
        "version": row["version"],
        "shipped": row["sha256"] is None,
        "name": row["name"],
        "size": row["size"],
        "created_at": row["created_at"],
        "created_by": row["created_by"],
    }


def check(kind: str, data: bytes, name: str, files: FileStore, field: str) -> None:
    """Refuse (422, in Vietnamese) a file that is not a DOCX or does not render with the kind's
    sample context; the template in force is not touched."""
    stored = files.check(data, name, field)
    if stored.media_type != DOCX:
        raise TemplateBroken(
            "Mẫu văn bản phải là tệp Word (.docx).",
            {field: [f"Tệp {stored.name} không phải tệp .docx."]},
        )
    found = registry.kind_of(kind)
    render(data, found.context(found.sample, SAMPLE_DAY))


def upload(
    uow: UnitOfWork, files: FileStore, caller: Principal, kind: str, upload: tuple[bytes, str, str]
) -> dict[str, Any]:
    """Keep `upload` (bytes, name, field) as the new version of `kind`'s template."""
    data, name, field = upload
    check(kind, data, name, files, field)
    stored = files.put(data, name, field)
    version = _next(uow.conn, kind)
    uow.conn.execute(
        table.insert().values(
            kind=kind,
            version=version,
            sha256=stored.sha256,
            name=stored.name,
            size=stored.size,
            created_at=uow.now,
            created_by=caller.name,
        )
    )
    uow.audit(
        caller.to_actor(),
        "document_template.uploaded",
        "document_template",
        kind,
        {"version": version, "name": stored.name, "sha256": stored.sha256},
    )
    return versions_of(uow.conn, kind)


def reset(uow: UnitOfWork, caller: Principal, kind: str) -> dict[str, Any]:
    """Put the shipped template back in force for `kind` (a new version without bytes)."""
    registry.kind_of(kind)
    version = _next(uow.conn, kind)
    uow.conn.execute(
        table.insert().values(
            kind=kind, version=version, created_at=uow.now, created_by=caller.name
        )
    )
    uow.audit(
        caller.to_actor(),
        "document_template.reset",
        "document_template",
        kind,
        {"version": version},
    )
    return versions_of(uow.conn, kind)


def _next(conn: Connection, kind: str) -> int:
    found = conn.execute(select(func.max(table.c.version)).where(table.c.kind == kind)).scalar()
    return int(found or 0) + 1
