"""Injected time. Domain code asks a clock for "now"; only SystemClock reads the real time."""

from __future__ import annotations

import threading
from collections.abc import Callable
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


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("a naive datetime has no place here: give an offset")
    return value.astimezone(UTC)
