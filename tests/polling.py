"""The one way the tests wait for something another thread or process does: poll a check until
it gives something truthy, and fail with a message naming what was awaited (and what the check
last gave) when it does not within the timeout. Timeouts are generous: they bound a hang, they
do not measure speed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """What was awaited did not happen in time."""


def wait_for(
    check: Callable[[], T],
    timeout: float = 10.0,
    what: str = "the condition",
    interval: float = 0.05,
    ignore: tuple[type[BaseException], ...] = (),
) -> T:
    """Call `check` until it returns something truthy and return that; after `timeout` seconds,
    raise WaitTimeout. Exceptions of the types in `ignore` count as "not yet"."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = check()
        except ignore as exc:
            last = exc
        else:
            if value:
                return value
            last = value
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"timed out after {timeout:g}s waiting for {what} (last: {last!r})")
        time.sleep(interval)
