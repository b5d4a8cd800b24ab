"""Settings common to every service, read only from the environment (12-factor).

Each service's own `config.py` builds on `PlatformSettings`; every variable, its default and its
meaning is listed here or there, and nowhere else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEVELOPMENT = "development"
PRODUCTION = "production"
ENVIRONMENTS = (DEVELOPMENT, PRODUCTION)


class ConfigError(ValueError):
    """A setting is missing or wrong: the process refuses to start. Its message is one line that
    names the setting; `nhiemvu` prints it alone (no traceback) and exits with code 2."""


def environment(env: Mapping[str, str] | None = None) -> str:
    """NHIEMVU_ENV: `development` (the default when unset) or `production`, in any letter case
    and with surrounding spaces; anything else (`prod`, `staging`, …) refuses the start, so that
    no reader of the setting can take it for one thing while another takes it for the other."""
    env = os.environ if env is None else env
    raw = env.get("NHIEMVU_ENV", "").strip()
    value = raw.lower()
    if not value:
        return DEVELOPMENT
    if value not in ENVIRONMENTS:
        raise ConfigError(f"NHIEMVU_ENV={raw!r} is not valid: use development or production")
    return value


def is_production(env: Mapping[str, str] | None = None) -> bool:
    return environment(env) == PRODUCTION


def env_str(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip()
    return value or default


def env_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from exc


def env_float(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {value!r}") from exc


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    return value in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class PlatformSettings:
    """What every service process needs: where its data lives and where the bus is."""

    service: str
    environment: str
    data_dir: Path
    database_url: str
    broker_url: str
    bus_namespace: str
    max_body_bytes: int
    relay_poll_seconds: float
    consumer_prefetch: int
    retry_delays: tuple[int, ...]
    # GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>` when set; in production without
    # it the route is off (404), so that metrics are never public there.
    metrics_token: str | None = field(default=None, repr=False)

    @property
    def development(self) -> bool:
        return self.environment != PRODUCTION

    @classmethod
    def from_env(cls, service: str, env: Mapping[str, str] | None = None) -> PlatformSettings:
        env = os.environ if env is None else env
        mode = environment(env)
        data_dir = Path(env_str(env, "DATA_DIR", "./var"))
        default_db = f"sqlite:///{data_dir / (service + '.db')}"
        delays = env_str(env, "BUS_RETRY_DELAYS", "1,10,60")
        if mode == PRODUCTION:
            # Falling back to SQLite or the in-process bus would lose events silently.
            for required in (f"{service.upper()}_DATABASE_URL", "BROKER_URL"):
                if not env.get(required, "").strip():
                    raise ConfigError(f"{required} must be set when NHIEMVU_ENV=production")
        try:
            retry_delays = tuple(int(d) for d in delays.split(",") if d.strip())
        except ValueError as exc:
            raise ConfigError(
                f"BUS_RETRY_DELAYS must be seconds like 1,10,60, got {delays!r}"
            ) from exc
        return cls(
            service=service,
            environment=mode,
            data_dir=data_dir,
            database_url=env_str(env, f"{service.upper()}_DATABASE_URL", default_db),
            broker_url=env_str(env, "BROKER_URL", "memory://"),
            bus_namespace=env_str(env, "BUS_NAMESPACE", "nhiemvu"),
            max_body_bytes=env_int(env, "MAX_BODY_BYTES", 2 * 1024 * 1024),
            relay_poll_seconds=env_float(env, "OUTBOX_POLL_SECONDS", 0.5),
            consumer_prefetch=env_int(env, "CONSUMER_PREFETCH", 64),
            retry_delays=retry_delays,
            metrics_token=env.get("METRICS_TOKEN", "").strip() or None,
        )
