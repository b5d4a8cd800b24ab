"""The reporting service object that its API, consumer and workers are built on."""

from __future__ import annotations

from dataclasses import dataclass

from shared.runtime import Runtime


@dataclass
class ReportingService:
    """The shared runtime: platform, token verifier, calendar and settings."""

    runtime: Runtime

    def migrate(self) -> None:
        self.runtime.migrate()
