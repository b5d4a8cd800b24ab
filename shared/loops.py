"""A background thread that works in rounds: the shape of the outbox relay, the timer scheduler
and the delivery worker.

A round does all the work that is due. Between rounds the thread sleeps until it is woken (after a
commit, a clock move) or its poll interval passes (or a shorter wait that the loop knows of:
`wait_seconds`). A failing round is retried after a back-off
that doubles from 0.5 s up to 2 s, which a wake-up does not cut short: a broker or database that
is down is tried every two seconds, not once per commit, and the loop resumes within two seconds
of its coming back. The first failure of a spell is logged with its traceback, then one line
every 30 s while it lasts, and the recovery with how long it took.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 2.0
REPEAT_LOG_SECONDS = 30.0


class BackgroundLoop:
    thread_name = "background-loop"

    def __init__(self, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_round(self) -> None:
        """Do the work that is due now."""
        raise NotImplementedError

    def after_failure(self) -> None:
        """Let go of whatever a failed round may have left broken (a connection, say)."""

    def wait_seconds(self) -> float:
        """How long to sleep after a round unless woken: the poll interval, unless a loop knows
        when its next work falls due (the timer scheduler)."""
        return self.poll_seconds

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wake(self, *_args: Any) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        first_backoff = min(self.poll_seconds, 0.5) or 0.5
        backoff = first_backoff
        failing_since: float | None = None
        failures = 0
        logged_at = 0.0
        while not self._stop.is_set():
            try:
                self.run_round()
            except Exception as exc:
                now = time.monotonic()
                failures += 1
                if failing_since is None:
                    failing_since = logged_at = now
                    log.exception("%s failed; retrying in %.1fs", self.thread_name, backoff)
                elif now - logged_at >= REPEAT_LOG_SECONDS:
                    logged_at = now
                    log.warning(
                        "%s still failing after %.0fs (%d attempts): %s",
                        self.thread_name,
                        now - failing_since,
                        failures,
                        exc,
                    )
                self.after_failure()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            if failing_since is not None:
                log.info(
                    "%s recovered after %.1fs",
                    self.thread_name,
                    time.monotonic() - failing_since,
                )
                failing_since, failures = None, 0
            backoff = first_backoff
            self._wake.wait(self.wait_seconds())
            self._wake.clear()
