"""The workflow service on SQLite with a clock the test moves, its test client and consumer:
what the tests of cases and timers drive through the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from services.workflow.app import create_app, create_service
from services.workflow.consumer import create_consumer
from services.workflow.units import units
from shared.clock import AdjustableClock
from tests.integration.test_workflow_service import NOW, SECRET

# The units the workflow tests name, as intake announces them (`unit.updated`): a request naming a
# unit the directory does not know is refused. Their names are their codes, so that the texts the
# tests read stay as they were written.
KNOWN_UNITS = ("VP_UBND", "SO_TC", "SO_XD", "SO_YT", "SO_KH", "SO_TP")


def know_units(service: Any, *codes: str) -> None:
    """Put units in the workflow's directory (default: KNOWN_UNITS)."""
    rows = [{"code": code, "name": code, "active": True} for code in codes or KNOWN_UNITS]
    with service.runtime.platform.database.transaction() as conn:
        conn.execute(units.insert(), rows)


def running(tmp_path: Path, namespace: str) -> Iterator[Any]:
    """Yield the service with `.clock` (AdjustableClock at NOW), `.client` and `.consumer`."""
    env = {"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET, "BUS_NAMESPACE": namespace}
    clock = AdjustableClock(NOW)
    service = create_service(env, clock=clock)
    service.migrate()
    know_units(service)
    service.clock = clock
    service.client = create_app(service).test_client()
    service.consumer = create_consumer(service)
    yield service
    service.runtime.platform.stop()
