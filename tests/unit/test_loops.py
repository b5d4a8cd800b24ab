"""The background loop shared by the relay, the timer scheduler and the delivery worker."""

from __future__ import annotations

import threading

from shared.loops import BackgroundLoop
from tests.polling import wait_for


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


class RecordedBackOff(threading.Event):
    """The loop's stop event, which it also waits on between failed rounds: each wait is
    recorded and returns at once, so a test reads the back-offs instead of timing them."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        return self.is_set()


def counting_back_offs(poll_seconds: float, fail_first: int) -> tuple[Counting, RecordedBackOff]:
    loop = Counting(poll_seconds=poll_seconds, fail_first=fail_first)
    loop._stop = stop = RecordedBackOff()
    return loop, stop


def test_a_wake_up_runs_a_round_without_waiting_for_the_poll_interval() -> None:
    loop = Counting(poll_seconds=3600)
    loop.start()
    try:
        wait_for(lambda: loop.rounds == 1, what="the first round")
        loop.wake()
        # Far sooner than the poll interval: the wake-up ran it.
        wait_for(lambda: loop.rounds == 2, timeout=60, what="a round after the wake-up")
    finally:
        loop.stop()


def test_a_failing_round_is_cleaned_up_and_retried_after_a_back_off() -> None:
    loop, stop = counting_back_offs(poll_seconds=60, fail_first=2)
    loop.start()
    try:
        assert loop.ran.wait(30)
        # Two failures: back-offs of 0.5 s then 1 s (on the stop event, which a wake-up does not
        # cut short) before the third, successful round.
        assert stop.waits == [0.5, 1.0]
        assert (loop.rounds, loop.failures_cleaned) == (3, 2)
    finally:
        loop.stop()


def test_stop_ends_the_thread_promptly() -> None:
    loop = Counting(poll_seconds=3600)
    loop.start()
    wait_for(lambda: loop.rounds == 1, what="the first round")
    loop.stop(timeout=60)  # far less than the poll interval: the thread must be woken to end
    assert not any(t.name == "counting" for t in threading.enumerate())


def test_an_outage_is_retried_at_most_every_two_seconds_and_logged_once_then_its_end(
    caplog,  # type: ignore[no-untyped-def]
) -> None:
    """A dependency that comes back is noticed within two seconds (issue 13, item 3), and a
    long outage is not a flood of tracebacks."""
    caplog.set_level("INFO", logger="shared.loops")
    loop, stop = counting_back_offs(poll_seconds=60, fail_first=4)
    loop.start()
    try:
        assert loop.ran.wait(30)
        # 0.5 + 1 + 2 + 2 s: the back-off stops doubling at 2 s (it would wait 4 s next).
        assert stop.waits == [0.5, 1.0, 2.0, 2.0]
    finally:
        loop.stop()
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].exc_info
    assert any("recovered after" in r.getMessage() for r in caplog.records)
