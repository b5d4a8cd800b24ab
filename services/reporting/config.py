"""Every setting of the reporting service: the platform's (shared.config) and its own."""

from __future__ import annotations

from collections.abc import Mapping

from shared.config import ConfigError, PlatformSettings, env_int

SERVICE = "reporting"


def settings_from_env(env: Mapping[str, str] | None = None) -> PlatformSettings:
    return PlatformSettings.from_env(SERVICE, env)


def confirmation_wait_days(env: Mapping[str, str]) -> int:
    """CONFIRMATION_WAIT_DAYS (default 3): working days after which a submitted result still
    waiting for the Office's confirmation is listed among the Office's own figures."""
    days = env_int(env, "CONFIRMATION_WAIT_DAYS", 3)
    if days < 0:
        raise ConfigError("CONFIRMATION_WAIT_DAYS must not be negative")
    return days
