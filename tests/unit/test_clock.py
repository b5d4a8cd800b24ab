"""PinnableClock: one thread holds the clock at a moment, the others read the wrapped clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from shared.clock import FixedClock, PinnableClock

NOW = datetime(2026, 12, 29, 2, 0, tzinfo=UTC)


def test_a_held_clock_reads_the_moment_in_its_thread_only_and_lets_go_after():
    clock = PinnableClock(FixedClock(NOW))
    moment = NOW - timedelta(days=10)
    seen_elsewhere: list[datetime] = []

    with clock.held_at(moment):
        assert clock.now() == moment
        other = threading.Thread(target=lambda: seen_elsewhere.append(clock.now()))
        other.start()
        other.join()
        with clock.held_at(moment + timedelta(days=1)):  # nested: the inner moment, then back
            assert clock.now() == moment + timedelta(days=1)
        assert clock.now() == moment

    assert seen_elsewhere == [NOW]
    assert clock.now() == NOW
