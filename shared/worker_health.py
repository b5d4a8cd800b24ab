# mypy: disallow-untyped-calls=False
"""A worker's health, for `nhiemvu worker-health <svc>` (the containers' health check).

The worker writes its status every few seconds to a small JSON file (`WORKER_STATUS_DIR`, the
system's temporary directory by default; one file per process). The status is unhealthy when the
consumer thread has died, has not been connected to the broker for `WORKER_STALL_SECONDS`, or has
acknowledged nothing for that long while its queue has ready messages (a consumer stuck on a
message). The command reads the files of live workers of the service: a missing or stale file is
unhealthy too (a worker that hangs stops writing).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kombu.connection import Connection

from shared.consumer import EventConsumer
from shared.loops import BackgroundLoop
from shared.platform import ServicePlatform

log = logging.getLogger(__name__)

STATUS_INTERVAL_SECONDS = 5.0
DEFAULT_STALL_SECONDS = 60.0


def status_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("WORKER_STATUS_DIR", "").strip() or tempfile.gettempdir())


def stall_seconds(env: Mapping[str, str]) -> float:
    value = env.get("WORKER_STALL_SECONDS", "").strip()
    return float(value) if value else DEFAULT_STALL_SECONDS


def _prefix(namespace: str, service: str) -> str:
    return f"nhiemvu-worker-{namespace}-{service}-"


class WorkerMonitor(BackgroundLoop):
    thread_name = "worker-health"

    def __init__(
        self,
        platform: ServicePlatform,
        consumer: EventConsumer | None,
        *,
        env: Mapping[str, str] | None = None,
        interval: float = STATUS_INTERVAL_SECONDS,
    ) -> None:
        super().__init__(interval)
        environ = os.environ if env is None else env
        self.platform = platform
        self.consumer = consumer
        self.stall = stall_seconds(environ)
        prefix = _prefix(platform.bus.topology.namespace, platform.service)
        self.path = status_dir(environ) / f"{prefix}{os.getpid()}.json"
        self._connection: Connection | None = None

    def run_round(self) -> None:
        status = self.status()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")
        partial.replace(self.path)

    def stop(self, timeout: float = 5.0) -> None:
        super().stop(timeout)
        self._drop()
        with contextlib.suppress(OSError):
            self.path.unlink()

    def status(self) -> dict[str, Any]:
        now = time.monotonic()
        problems: list[str] = []
        depth = self._queue_depths()
        consumer = self.consumer
        section: dict[str, Any] | None = None
        if consumer is not None and consumer.handlers:
            ready = depth.get("ready")
            idle = now - consumer.last_progress
            section = {
                "connected": consumer.ready.is_set(),
                "acked": consumer.acked,
                "dead_lettered": consumer.dead_lettered,
                "seconds_since_progress": round(idle, 1),
                "delivery_limit": consumer.delivery_limit,
            }
            down = consumer.disconnected_since
            if not consumer.alive:
                problems.append("the consumer thread has stopped")
            elif down is not None and now - down > self.stall:
                problems.append(f"the consumer has not been connected for {now - down:.0f}s")
            elif ready and idle > self.stall:
                problems.append(
                    f"the consumer has made no progress for {idle:.0f}s "
                    f"while {ready} messages are ready"
                )
        return {
            "service": self.platform.service,
            "pid": os.getpid(),
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "healthy": not problems,
            "problems": problems,
            "consumer": section,
            "queue": depth,
        }

    def _queue_depths(self) -> dict[str, Any]:
        """Ready messages in the service's queue and its dead-letter queue (None if unknown)."""
        topology = self.platform.bus.topology
        service = self.platform.service
        if self.consumer is None or not self.consumer.handlers:
            return {}
        try:
            if self._connection is None:
                self._connection = self.platform.bus.connection(heartbeat=0)
                self.platform.bus.connect(self._connection)
            channel = self._connection.default_channel
            ready = channel.queue_declare(queue=topology.queue_name(service), passive=True)
            dead = channel.queue_declare(
                queue=topology.dead_letter_queue_name(service), passive=True
            )
            return {"ready": ready.message_count, "dead_letters": dead.message_count}
        except Exception as exc:
            self._drop()
            return {"ready": None, "dead_letters": None, "error": f"{type(exc).__name__}: {exc}"}

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.release()
        self._connection = None


def read_health(
    namespace: str, service: str, env: Mapping[str, str], *, max_age: float = 30.0
) -> tuple[bool, list[dict[str, Any]]]:
    """The status of each live worker of `service`, and whether all of them (at least one)
    are healthy and have written their status within `max_age` seconds."""
    statuses: list[dict[str, Any]] = []
    healthy = True
    for path in sorted(status_dir(env).glob(f"{_prefix(namespace, service)}*.json")):
        try:
            status = json.loads(path.read_text(encoding="utf-8"))
            pid = int(status["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not _alive(pid):
            continue
        age = time.time() - path.stat().st_mtime
        if age > max_age:
            status["healthy"] = False
            status.setdefault("problems", []).append(f"status not updated for {age:.0f}s")
        healthy = healthy and bool(status.get("healthy"))
        statuses.append(status)
    return healthy and bool(statuses), statuses


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
