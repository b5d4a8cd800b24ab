"""Every setting of the notify service: the platform's (shared.config) plus its channels'.

| variable | default | meaning |
|---|---|---|
| SMTP_HOST | (empty: email off) | mail server |
| SMTP_PORT | 587 | its port |
| SMTP_USER, SMTP_PASSWORD | (empty: no auth) | credentials; never logged |
| SMTP_STARTTLS | on in production | upgrade the connection before authenticating |
| SMTP_CA_FILE | (empty: the system's CAs) | PEM file of the CAs trusted for STARTTLS |
| SMTP_FROM | Hệ thống theo dõi nhiệm vụ <no-reply@nhiemvu.local> | sender |
| DIGEST_TIME | 16:30 | local time (Asia/Ho_Chi_Minh) of the daily digest, working days |
| WEBHOOK_TIMEOUT_SECONDS | 5 | connect and read timeout of one webhook attempt |
| DELIVERY_MAX_AGE_HOURS | 24 | how long a delivery is retried before it is marked failed |
| DELIVERY_POLL_SECONDS | 1 | how often the delivery worker looks for due deliveries |
| DELIVERY_LEASE_SECONDS | 4 × timeout + 60 | lease of a claimed delivery (retry after a crash) |
| WEBHOOK_ALLOW_LOOPBACK | on in development | take http loopback webhook URLs (tests only) |
| LEADERS_EMAIL | (empty) | leaders' mailboxes, comma-separated: get the leaders' messages (Đ16.4) |
| QLVB_STATUS_URL | (empty: not sent) | the document system's endpoint for status messages (Đ3.2) |
| QLVB_STATUS_SECRET | (required with the URL) | HMAC secret signing them, as agencies' webhooks |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from urllib.parse import urlsplit

from shared.config import ConfigError, PlatformSettings, env_bool, env_float, env_int, env_str

SERVICE = "notify"


def settings_from_env(env: Mapping[str, str] | None = None) -> PlatformSettings:
    return PlatformSettings.from_env(SERVICE, env)


@dataclass(frozen=True)
class ChannelSettings:
    development: bool
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_starttls: bool
    smtp_from: str
    digest_time: time
    webhook_timeout: float
    max_age_hours: float
    poll_seconds: float
    lease_seconds: float = 80.0
    webhook_loopback: bool = False
    smtp_ca_file: str = ""
    # The leaders' mailboxes: messages to the leaders' role are e-mailed there too (Đ16.4).
    leaders_email: tuple[str, ...] = ()
    qlvb_status_url: str = ""
    qlvb_status_secret: str = ""

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ChannelSettings:
        env = os.environ if env is None else env
        development = PlatformSettings.from_env(SERVICE, env).development
        try:
            digest_time = time.fromisoformat(env_str(env, "DIGEST_TIME", "16:30"))
        except ValueError as exc:
            raise ConfigError("DIGEST_TIME must look like 16:30") from exc
        timeout = env_float(env, "WEBHOOK_TIMEOUT_SECONDS", 5.0)
        qlvb_url = env_str(env, "QLVB_STATUS_URL", "")
        qlvb_secret = env.get("QLVB_STATUS_SECRET", "")
        if qlvb_url and not qlvb_secret:
            raise ConfigError("QLVB_STATUS_URL needs QLVB_STATUS_SECRET to sign status messages")
        loopback = env_bool(env, "WEBHOOK_ALLOW_LOOPBACK", development)
        scheme = urlsplit(qlvb_url).scheme
        if qlvb_url and scheme not in ("https", *(("http",) if development or loopback else ())):
            raise ConfigError("QLVB_STATUS_URL must be an https:// address")
        return cls(
            development=development,
            smtp_host=env_str(env, "SMTP_HOST", ""),
            smtp_port=env_int(env, "SMTP_PORT", 587),
            smtp_user=env_str(env, "SMTP_USER", ""),
            smtp_password=env.get("SMTP_PASSWORD", ""),
            smtp_starttls=env_bool(env, "SMTP_STARTTLS", not development),
            smtp_from=env_str(
                env, "SMTP_FROM", "Hệ thống theo dõi nhiệm vụ <no-reply@nhiemvu.local>"
            ),
            digest_time=digest_time,
            smtp_ca_file=env_str(env, "SMTP_CA_FILE", ""),
            webhook_timeout=timeout,
            max_age_hours=env_float(env, "DELIVERY_MAX_AGE_HOURS", 24.0),
            poll_seconds=env_float(env, "DELIVERY_POLL_SECONDS", 1.0),
            lease_seconds=env_float(env, "DELIVERY_LEASE_SECONDS", timeout * 4 + 60),
            # Only the webhook URL rule: everything else stays as NHIEMVU_ENV says.
            webhook_loopback=loopback,
            qlvb_status_url=qlvb_url,
            qlvb_status_secret=qlvb_secret,
            leaders_email=_addresses(env_str(env, "LEADERS_EMAIL", ""), "LEADERS_EMAIL"),
        )


def _addresses(value: str, name: str) -> tuple[str, ...]:
    """Comma-separated e-mail addresses, each once, in order; a malformed one stops the start."""
    found = [part.strip() for part in value.split(",") if part.strip()]
    for address in found:
        local, _, domain = address.partition("@")
        if not local or "." not in domain or any(c.isspace() for c in address):
            raise ConfigError(f"{name}: '{address}' is not an e-mail address")
    return tuple(dict.fromkeys(found))
