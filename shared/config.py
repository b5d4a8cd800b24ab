"""Settings common to every service, read only from the environment (12-factor).

Each service's own `config.py` builds on `PlatformSettings`; every variable, its default and its
meaning is listed here or there, and nowhere else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEVELOPMENT = "development"
PRODUCTION = "production"


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
        raise ValueError(f"{name} must be an integer, got {value!r}") from exc


def env_float(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {value!r}") from exc


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

    @property
    def development(self) -> bool:
        return self.environment != PRODUCTION

    @classmethod
    def from_env(cls, service: str, env: Mapping[str, str] | None = None) -> PlatformSettings:
        env = os.environ if env is None else env
        environment = env_str(env, "NHIEMVU_ENV", DEVELOPMENT)
        data_dir = Path(env_str(env, "DATA_DIR", "./var"))
        default_db = f"sqlite:///{data_dir / (service + '.db')}"
        delays = env_str(env, "BUS_RETRY_DELAYS", "1,10,60")
        if environment == PRODUCTION:
            # Falling back to SQLite or the in-process bus would lose events silently.
            for required in (f"{service.upper()}_DATABASE_URL", "BROKER_URL"):
                if not env.get(required, "").strip():
                    raise ValueError(f"{required} must be set when NHIEMVU_ENV=production")
        return cls(
            service=service,
            environment=environment,
            data_dir=data_dir,
            database_url=env_str(env, f"{service.upper()}_DATABASE_URL", default_db),
            broker_url=env_str(env, "BROKER_URL", "memory://"),
            bus_namespace=env_str(env, "BUS_NAMESPACE", "nhiemvu"),
            max_body_bytes=env_int(env, "MAX_BODY_BYTES", 2 * 1024 * 1024),
            relay_poll_seconds=env_float(env, "OUTBOX_POLL_SECONDS", 0.5),
            consumer_prefetch=env_int(env, "CONSUMER_PREFETCH", 64),
            retry_delays=tuple(int(d) for d in delays.split(",") if d.strip()),
        )
