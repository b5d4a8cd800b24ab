"""Injected time. Domain code asks a clock for "now"; only SystemClock reads the real time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class AdjustableClock:
    """Real time shifted by an offset that development mode and tests can move forward.

    Listeners are told after every move so that schedulers fire what became due at once.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._listeners: list[Callable[[datetime], None]] = []
        if start is not None:
            self._offset = _aware(start) - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += delta
        return self._moved()

    def set(self, when: datetime) -> datetime:
        target = _aware(when)
        with self._lock:
            if target < self.now():
                raise ValueError("the clock only moves forward")
            self._offset = target - datetime.now(UTC)
        return self._moved()

    def on_change(self, listener: Callable[[datetime], None]) -> None:
        self._listeners.append(listener)

    def _moved(self) -> datetime:
        now = self.now()
        for listener in list(self._listeners):
            listener(now)
        return now


class FixedClock:
    """A clock that stands still unless told to move; for unit tests."""

    def __init__(self, when: datetime) -> None:
        self._now = _aware(when)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now


class PinnableClock:
    """A clock that the current thread can hold at one moment while it does something that
    belongs to that moment; other threads keep reading the wrapped clock.

    The timer scheduler fires each timer with the engine's clock held at the timer's due time,
    so a clock jump over several timers replays them in order: what a timer's branch places
    from `today()` (the next urging) counts from that day, and what it records carries it.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._held = _Held()

    def now(self) -> datetime:
        held = self._held.at
        return held if held is not None else self.clock.now()

    @contextmanager
    def held_at(self, when: datetime) -> Iterator[datetime]:
        previous = self._held.at
        self._held.at = _aware(when)
        try:
            yield self._held.at
        finally:
            self._held.at = previous


class _Held(threading.local):
    # A class default: a thread that never held the clock reads None without the AttributeError
    # that `getattr(local, name, None)` raises and catches inside (the engine reads the clock
    # several times an action).
    at: datetime | None = None


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("a naive datetime has no place here: give an offset")
    return value.astimezone(UTC)
