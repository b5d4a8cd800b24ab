"""The in-process bus declares queues safely from several threads at once (shared/bus.py
`Bus.declare`): kombu's memory channels share one dict of queues, and closing a channel walks it,
so a declaration must not close a channel while another thread adds a queue."""

from __future__ import annotations

import sys
import threading
import uuid

from shared.bus import Bus
from shared.topology import Topology


def test_concurrent_declarations_on_the_memory_bus_all_succeed() -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def declare_many() -> None:
        try:
            barrier.wait(10)
            for _ in range(60):
                bus = Bus("memory://", Topology(namespace=f"t{uuid.uuid4().hex[:12]}"))
                with bus.connection() as connection:
                    bus.declare_all(connection)
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=declare_many) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        sys.setswitchinterval(interval)
    assert not errors, errors[0]
