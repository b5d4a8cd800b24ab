"""The reporting read model: one row of facts per task, built only from events, beside the
other facts its events bring, the stored reports and the event log; these are its tables. What
the event handlers write is in writes.py, what is read by key in lookups.py, a period's figures
in queries.py."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from shared.db import UtcDateTime

metadata = MetaData()

task_facts = Table(
    "task_facts",
    metadata,
    Column("task_id", String(32), primary_key=True),
    Column("document_id", String(32), nullable=False),
    Column("lead_unit", String(40), nullable=False),
    Column("assigned_by", String(40)),
    Column("assigned_on", Date, nullable=False),
    Column("due_on", Date),
    Column("status", String(20), nullable=False),
    Column("completed_at", UtcDateTime()),
    Column("completed_on", Date),
    Column("late_rework", Boolean, nullable=False),
    Column("withdrawn_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("rework_count", Integer, nullable=False, server_default="0"),
    # The unit's latest submission of a result. A completed task counts as completed when the
    # unit submitted the result the Office then confirmed (`completed_at` is that submission,
    # `confirmed_at` the Office's confirmation): the Office's delay is not the unit's (Đ5.2b).
    Column("submitted_at", UtcDateTime()),
    Column("submitted_on", Date),
    Column("confirmed_at", UtcDateTime()),
    Column("content", Text),
    # Đ21: the officer responsible inside the lead unit, as the task's events last named them
    # (migration 0012); NULL while the unit is.
    Column("officer_sub", String(200)),
    Column("officer_name", String(300)),
    # The task's sector (Đ8.2a): a department's figures of the sectors it manages. Migration
    # 0013; NULL on tasks whose events carried none.
    Column("sector", String(40)),
)
Index("ix_task_facts_assigned", task_facts.c.assigned_on, task_facts.c.lead_unit)
# A period's statistics read only these columns: PostgreSQL answers them from the index alone.
Index(
    "ix_task_facts_period",
    task_facts.c.assigned_on,
    postgresql_include=[
        "lead_unit",
        "due_on",
        "completed_at",
        "completed_on",
        "late_rework",
        "withdrawn_at",
        "status",
        "submitted_at",
        "submitted_on",
    ],
)
Index("ix_task_facts_document", task_facts.c.document_id)

units = Table(
    "units",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("active", Boolean, nullable=False),
    # The unit it belongs to and the sectors it manages (shared/scoping.py; Đ7.2a, Đ8.2a,
    # Đ8.2c): who reads whose figures. Migration 0013.
    Column("parent", String(40)),
    Column("sectors", JSON),
)

# A generated periodic report (Đ18): its figures frozen as JSON, public once published (Đ16.2).
reports = Table(
    "reports",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("period", String(40), nullable=False),
    Column("from_date", Date, nullable=False),
    Column("to_date", Date, nullable=False),
    Column("as_of", UtcDateTime(), nullable=False),
    Column("figures", Text, nullable=False),
    Column("generated_at", UtcDateTime(), nullable=False),
    Column("generated_by", String(200), nullable=False),
    Column("published_at", UtcDateTime()),
    Column("published_by", String(200)),
    # `kind:period` of a report the Đ18 schedule made (schedule.py); NULL for one asked for.
    Column("schedule_key", String(60)),
)
Index("ix_reports_generated", reports.c.generated_at)
Index("ux_reports_schedule_key", reports.c.schedule_key, unique=True)

document_intake = Table(
    "document_intake",
    metadata,
    Column("document_id", String(32), primary_key=True),
    Column("number", String(100), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("intake_deadline", Date, nullable=False),
    Column("released_at", UtcDateTime(), nullable=False),
    Column("released_late", Boolean, nullable=False),
    # Who signed the document (from document.released; NULL for events that predate it).
    Column("signer_name", String(200)),
    Column("signer_position", String(200)),
)


# Every event the read model was built from, as received (append-only): `nhiemvu reporting
# rebuild` replays it in `seq` order, the order in which the live model applied the events.
event_log = Table(
    "event_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(200), nullable=False, unique=True),
    Column("event_type", String(100), nullable=False),
    Column("event_time", UtcDateTime(), nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
)

# One row per ad-hoc information request to one unit (Đ8.1d, Đ9.2), from info_request.* events:
# its latest round (an answer, or the Office's request for more with a new due date).
info_request_facts = Table(
    "info_request_facts",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("unit", String(40), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("due_on", Date),
    Column("answered_on", Date),
    Column("answered_late", Boolean, nullable=False),
    Column("closed_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
)
Index("ix_info_request_facts_opened", info_request_facts.c.opened_on, info_request_facts.c.unit)

# One row per result a unit submitted, with the Office's decision on it (confirm or rework): the
# Office's confirmation lag, its own figure beside its intake compliance (Đ6.1, Đ16).
submissions = Table(
    "submissions",
    metadata,
    Column("task_id", String(32), primary_key=True),
    Column("submitted_at", UtcDateTime(), primary_key=True),
    Column("lead_unit", String(40), nullable=False),
    Column("decided_at", UtcDateTime()),
    Column("decision", String(20)),  # confirmed, rework, withdrawn; NULL while it waits
)
Index("ix_submissions_decided", submissions.c.decided_at)
Index("ix_submissions_open", submissions.c.decision, submissions.c.submitted_at)

# One row per unit's periodic report (Đ18.1), from unit_report.* events: the period, when the
# unit first submitted it and whether that was late, and where the Office's review stands.
unit_report_facts = Table(
    "unit_report_facts",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("period", String(10), nullable=False),  # 2026-Q4, 2026-H1, 2026
    Column("unit", String(40), nullable=False),
    Column("status", String(20), nullable=False),  # the case's: submitted, returned, accepted…
    Column("first_submitted_at", UtcDateTime(), nullable=False),
    Column("late", Boolean, nullable=False),
    Column("returns", Integer, nullable=False, server_default="0"),
    Column("accepted_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
)
Index("ix_unit_report_facts_period", unit_report_facts.c.period, unit_report_facts.c.unit)

# The Office's evaluation report of a period (Đ8.1a, Đ16.2, Đ18.2), from office_report.* events:
# the assessment sections of its last submission to the Office's leader, the stored report whose
# figures it presents, and, once the approved report is published, when, by whom, its number.
office_evaluations = Table(
    "office_evaluations",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("period", String(10), nullable=False),
    Column("report_id", String(32), nullable=False),
    Column("sections", Text, nullable=False),  # JSON: progress, quality, effectiveness, …
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("published_at", UtcDateTime()),
    Column("published_by", String(200)),
    Column("number", String(60)),
)
Index("ix_office_evaluations_report", office_evaluations.c.report_id)

# The Office's annual report on this regulation (Đ20.1) reads these beside the tasks' facts.
# One row per inspection (Đ10–Đ15: the Working Group's, `inspection`, or a unit's own,
# `unit_inspection`), from their events: the units inspected, when it ended and was reported,
# and each inspected unit's result (`conclusions`, JSON [{unit, result}], Đ15.3).
inspection_facts = Table(
    "inspection_facts",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("form", String(20)),  # regular, ad_hoc (Đ12)
    Column("units", Text, nullable=False),  # JSON: the inspected units' codes
    Column("status", String(20), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("ended_on", Date),
    Column("reported_on", Date),
    Column("presented_on", Date),  # at the People's Committee's meeting (Đ10.1đ)
    Column("cancelled", Boolean, nullable=False),
    Column("conclusions", Text),
    Column("updated_at", UtcDateTime(), nullable=False),
)
Index("ix_inspection_facts_ended", inspection_facts.c.ended_on)

# One row per annual inspection plan (Đ10.1a): its year, how many inspections it plans, whether
# the leader approved it.
inspection_plan_facts = Table(
    "inspection_plan_facts",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("items", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("approved_on", Date),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# One row per feedback on another unit (Đ16.6, Đ17.2, Đ17.3): when the Office received it, its
# due date for handling it, and when and how it handled it (urged the unit, a leader's direction,
# dismissed).
feedback_facts = Table(
    "feedback_facts",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("about_unit", String(40), nullable=False),
    Column("problem", String(40)),
    Column("status", String(20), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("due_on", Date),
    Column("handled_on", Date),
    Column("outcome", String(20)),  # urged, directed, dismissed
    Column("updated_at", UtcDateTime(), nullable=False),
)
Index("ix_feedback_facts_received", feedback_facts.c.received_on)

# The Office's annual report (Đ20.1), from annual_report.* events: the written sections of its
# last submission to the Office's leader, the stored report of the year's figures it presents,
# and its publication.
annual_evaluations = Table(
    "annual_evaluations",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("report_id", String(32), nullable=False),
    Column("sections", Text, nullable=False),  # JSON: assessment, training, difficulties, …
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("published_at", UtcDateTime()),
    Column("published_by", String(200)),
    Column("number", String(60)),
)
Index("ix_annual_evaluations_report", annual_evaluations.c.report_id)

# The official documents' templates the Office uploaded (services/reporting/documents/): one row
# per version of a kind's template, the newest in force; its bytes in the file store (sha256),
# none for a reset to the template shipped with the system.
document_templates = Table(
    "document_templates",
    metadata,
    Column("kind", String(40), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("sha256", String(64)),
    Column("name", String(200)),
    Column("size", Integer),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
)

# The tables the event handlers fill: what a rebuild empties and refills (not reports, not
# the event log, not the inbox).
READ_MODEL = (
    task_facts,
    units,
    document_intake,
    info_request_facts,
    submissions,
    unit_report_facts,
    office_evaluations,
    inspection_facts,
    inspection_plan_facts,
    feedback_facts,
    annual_evaluations,
)
