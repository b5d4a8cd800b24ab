"""The parts every service is assembled from, built once per process by its `create_service`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy import MetaData

from shared.auth_settings import AuthSettings
from shared.auth_tokens import TokenVerifier
from shared.bus import Bus
from shared.calendar import WorkingCalendar
from shared.clock import Clock, SystemClock
from shared.config import PlatformSettings
from shared.db import migrate
from shared.files import FileStore
from shared.platform import ServicePlatform


@dataclass
class Runtime:
    platform: ServicePlatform
    verifier: TokenVerifier
    calendar: WorkingCalendar
    migrations: Path
    # The environment the service was built from: its own settings (config.py) read it.
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def clock(self) -> Clock:
        return self.platform.clock

    @property
    def settings(self) -> PlatformSettings:
        return self.platform.settings

    @cached_property
    def files(self) -> FileStore:
        """The file store (FILE_STORE_DIR, MAX_FILE_BYTES; shared/files.py)."""
        return FileStore.from_env(self.env, self.settings.data_dir)

    def migrate(self) -> None:
        migrate(self.platform.database.engine, self.migrations)


def build_runtime(
    service: str,
    metadata: MetaData,
    migrations: Path,
    env: Mapping[str, str] | None = None,
    *,
    clock: Clock | None = None,
    bus: Bus | None = None,
    calendar: WorkingCalendar | None = None,
) -> Runtime:
    environ = os.environ if env is None else env
    settings = PlatformSettings.from_env(service, environ)
    platform = ServicePlatform(settings, metadata, clock or SystemClock(), bus=bus)
    return Runtime(
        platform=platform,
        verifier=TokenVerifier(AuthSettings.from_env(environ)),
        calendar=calendar or WorkingCalendar.default(),
        migrations=migrations,
        env=dict(environ),
    )
