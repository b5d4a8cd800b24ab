"""The intake service object that its API, consumer and workers are built on."""

from __future__ import annotations

from dataclasses import dataclass

from services.intake import edxml_status, store
from shared.auth import Principal, authenticate_request
from shared.runtime import Runtime
from shared.scoping import UnitDirectory


@dataclass
class IntakeService:
    """The shared runtime: platform, token verifier, calendar and settings."""

    runtime: Runtime

    @property
    def sender(self) -> edxml_status.Sender:
        """`From` of the status messages sent to the document system (Đ3.2): QLVB_ORGAN_ID is
        this system's organ code on the exchange network, QLVB_ORGAN_NAME its name."""
        env = self.runtime.env
        default = edxml_status.DEFAULT_SENDER
        return edxml_status.Sender(
            organ_id=env.get("QLVB_ORGAN_ID", default.organ_id).strip(),
            organ_name=env.get("QLVB_ORGAN_NAME", "").strip() or default.organ_name,
        )

    def caller(self) -> Principal:
        """The current request's caller, with the units under their unit and the sectors it
        manages from intake's own units (shared/scoping.py)."""
        principal = authenticate_request(self.runtime.verifier)
        return UnitDirectory(self.runtime.platform.database, store.units).resolve(principal)

    def migrate(self) -> None:
        self.runtime.migrate()
