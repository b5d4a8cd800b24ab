"""Announce every unit again (`unit.updated`, through the outbox).

The workflow service now keeps unit names too (its migration 0005), to name units in the texts
it writes (the Working Group's monthly account, Đ10.1đ). Units seeded or changed before it
subscribed were announced before it listened: this tells it, and again the services that already
know them (they keep the latest name, so hearing it twice changes nothing). A new deployment,
whose seeded announcements have not been published yet, needs none: every service will hear those.

Revision ID: 0005
Revises: 0004
"""

from datetime import UTC, datetime

from alembic import op
from sqlalchemy import MetaData, func, insert, select

from services.intake.store import units
from shared.events import encode, make_event
from shared.tables import add_platform_tables

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    outbox = add_platform_tables(MetaData()).outbox
    published = conn.scalar(
        select(func.count())
        .select_from(outbox)
        .where(outbox.c.event_type == "unit.updated", outbox.c.published_at.is_not(None))
    )
    if not published:
        return
    now = datetime.now(UTC)
    # The columns of this revision (later ones add more: migration 0008).
    columns = ("code", "name", "kind", "active", "successor")
    rows = [dict(row) for row in conn.execute(select(*(units.c[c] for c in columns))).mappings()]
    events = [
        make_event("unit.updated", row, source="/nhiemvu/intake", time=now, subject=row["code"])
        for row in rows
    ]
    if events:
        conn.execute(
            insert(outbox),
            [
                {"event_id": e["id"], "event_type": e["type"], "body": encode(e), "created_at": now}
                for e in events
            ],
        )


def downgrade() -> None:
    pass  # announcements already sent are not taken back
