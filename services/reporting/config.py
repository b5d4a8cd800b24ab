"""Every setting of the reporting service: the platform's (shared.config), none of its own yet."""

from __future__ import annotations

from collections.abc import Mapping

from shared.config import PlatformSettings

SERVICE = "reporting"


def settings_from_env(env: Mapping[str, str] | None = None) -> PlatformSettings:
    return PlatformSettings.from_env(SERVICE, env)
