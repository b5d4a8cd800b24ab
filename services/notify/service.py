"""The notify service object that its API, consumer and delivery worker are built on."""

from __future__ import annotations

from dataclasses import dataclass

from services.notify.config import ChannelSettings
from shared.runtime import Runtime


@dataclass
class NotifyService:
    """The shared runtime, and the outgoing channels' own settings (SMTP, digest time, webhook
    limits) read from the same environment."""

    runtime: Runtime
    channels: ChannelSettings

    def migrate(self) -> None:
        self.runtime.migrate()
