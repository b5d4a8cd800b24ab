"""The background loop shared by the relay, the timer scheduler and the delivery worker."""

from __future__ import annotations

import threading
import time

from shared.loops import BackgroundLoop


class Counting(BackgroundLoop):
    thread_name = "counting"

    def __init__(self, poll_seconds: float, fail_first: int = 0) -> None:
        super().__init__(poll_seconds)
        self.rounds = 0
        self.fail_first = fail_first
        self.failures_cleaned = 0
        self.ran = threading.Event()

    def run_round(self) -> None:
        self.rounds += 1
        if self.rounds <= self.fail_first:
            raise RuntimeError("broker down")
        self.ran.set()

    def after_failure(self) -> None:
        self.failures_cleaned += 1


def wait_until(predicate, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_a_wake_up_runs_a_round_without_waiting_for_the_poll_interval() -> None:
    loop = Counting(poll_seconds=60)
    loop.start()
    try:
        assert wait_until(lambda: loop.rounds == 1)
        loop.wake()
        assert wait_until(lambda: loop.rounds == 2, timeout=2)
    finally:
        loop.stop()


def test_a_failing_round_is_cleaned_up_and_retried_after_a_back_off() -> None:
    loop = Counting(poll_seconds=60, fail_first=2)
    began = time.monotonic()
    loop.start()
    try:
        assert loop.ran.wait(5)
        # Two failures: back-offs of 0.5 s then 1 s before the third, successful round.
        assert time.monotonic() - began >= 1.4
        assert loop.failures_cleaned == 2
    finally:
        loop.stop()


def test_stop_ends_the_thread_promptly() -> None:
    loop = Counting(poll_seconds=60)
    loop.start()
    assert wait_until(lambda: loop.rounds == 1)
    began = time.monotonic()
    loop.stop()
    assert time.monotonic() - began < 1
    assert not any(t.name == "counting" for t in threading.enumerate())


def test_an_outage_is_retried_at_most_every_two_seconds_and_logged_once_then_its_end(
    caplog,  # type: ignore[no-untyped-def]
) -> None:
    """A dependency that comes back is noticed within two seconds (issue 13, item 3), and a
    long outage is not a flood of tracebacks."""
    caplog.set_level("INFO", logger="shared.loops")
    loop = Counting(poll_seconds=60, fail_first=4)
    began = time.monotonic()
    loop.start()
    try:
        assert loop.ran.wait(10)
        # 0.5 + 1 + 2 + 2 s: the back-off stops doubling at 2 s (it would wait 4 s next).
        assert 5.3 <= time.monotonic() - began < 7.0
    finally:
        loop.stop()
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].exc_info
    assert any("recovered after" in r.getMessage() for r in caplog.records)
