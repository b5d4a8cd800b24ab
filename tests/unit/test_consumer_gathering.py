"""How the consumer gathers messages into batches (shared/consumer.py): a batch is applied when
no message has come for BATCH_WINDOW_SECONDS or when it is full; while messages keep coming,
not before GATHER_SECONDS after its first message either. A read model's consumer gathers a
stream's batch for up to READ_MODEL_GATHER_SECONDS, but no longer than READ_MODEL_QUIET_SECONDS
after its last message. A message after a quiet spell waits no longer than the short window."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import MetaData

import shared.consumer as consumer_module
from shared.clock import SystemClock
from shared.config import PlatformSettings
from shared.consumer import (
    BATCH_WINDOW_SECONDS,
    GATHER_SECONDS,
    READ_MODEL_GATHER_SECONDS,
    READ_MODEL_QUIET_SECONDS,
    EventConsumer,
)
from shared.platform import ServicePlatform

CE = "application/cloudevents+json"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


class Message:
    def __init__(self, tag: int, arrived: float) -> None:
        self.body = b"{}"
        self.headers: dict[str, Any] = {}
        self.content_type = CE
        self.delivery_tag = tag
        self.arrived = arrived

    def ack(self, multiple: bool = False) -> None:
        pass


class Connection:
    """Delivers messages at the given instants (seconds from the start) as drain_events would."""

    def __init__(self, clock: Clock, consumer: EventConsumer, arrivals: list[float]) -> None:
        self.clock = clock
        self.consumer = consumer
        self.arrivals = [clock.now + a for a in arrivals]
        self.tag = 0

    def drain_events(self, timeout: float) -> None:
        if self.arrivals and self.arrivals[0] <= self.clock.now + timeout:
            self.clock.now = max(self.clock.now, self.arrivals.pop(0))
            self.tag += 1
            self.consumer._collect(Message(self.tag, self.clock.now))  # type: ignore[arg-type]
            return
        self.clock.now += timeout
        raise TimeoutError

    def heartbeat_check(self) -> None:
        pass


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    settings = PlatformSettings.from_env("notify", {"DATA_DIR": str(tmp_path)})
    platform = ServicePlatform(settings, MetaData(), SystemClock())
    clock = Clock()
    monkeypatch.setattr(consumer_module, "time", SimpleNamespace(monotonic=clock.monotonic))

    def run(
        arrivals: list[float],
        *,
        batch_size: int = 100,
        gather: float = GATHER_SECONDS,
        quiet: float | None = None,
    ) -> list[tuple[float, list[float]]]:
        """The batches applied: when, and when each of their messages arrived."""
        consumer = EventConsumer(
            platform,
            {"unit.updated": lambda uow, e: None},
            prefetch=100,
            gather_seconds=gather,
            quiet_seconds=quiet,
        )
        consumer.batch_size = batch_size
        applied: list[tuple[float, list[float]]] = []
        pending: list[Message] = []
        collect = consumer._collect

        def collecting(message: Message) -> None:
            pending.append(message)
            collect(message)  # type: ignore[arg-type]

        def applying(deliveries: list[Any]) -> list[str]:
            batch = pending[: len(deliveries)]
            del pending[: len(deliveries)]
            applied.append((clock.now, [m.arrived for m in batch]))
            return ["applied"] * len(deliveries)

        consumer._collect = collecting  # type: ignore[method-assign]
        consumer.applier.apply_batch = applying  # type: ignore[method-assign]
        connection = Connection(clock, consumer, arrivals)
        while connection.arrivals or consumer._pending:
            consumer._drain_once(connection)  # type: ignore[arg-type]
        return applied

    yield run
    platform.stop()


def waits(applied: list[tuple[float, list[float]]]) -> list[float]:
    return [at - arrived for at, batch in applied for arrived in batch]


def test_a_message_after_a_quiet_spell_waits_no_more_than_the_short_window(run):
    applied = run([0.0, 1.0, 2.5])
    assert [len(batch) for _, batch in applied] == [1, 1, 1]
    assert max(waits(applied)) == pytest.approx(BATCH_WINDOW_SECONDS)


def test_messages_a_few_milliseconds_apart_share_a_batch_while_they_keep_coming(run):
    applied = run([i * 0.008 for i in range(40)])  # 125 a second
    sizes = [len(batch) for _, batch in applied]
    assert sizes[0] == 1  # the first after a quiet spell: the short window
    assert sum(sizes) == 40
    assert all(size >= 2 for size in sizes[1:-1])
    assert len(applied) <= 15
    assert max(waits(applied)) <= GATHER_SECONDS + BATCH_WINDOW_SECONDS + 1e-9


def test_a_read_models_consumer_gathers_longer_while_messages_keep_coming(run):
    applied = run([i * 0.008 for i in range(40)], gather=READ_MODEL_GATHER_SECONDS)
    sizes = [len(batch) for _, batch in applied]
    assert sizes[0] == 1  # the first after a quiet spell: the short window still
    assert sum(sizes) == 40
    assert all(size >= 6 for size in sizes[1:-1])
    assert max(waits(applied)) <= READ_MODEL_GATHER_SECONDS + BATCH_WINDOW_SECONDS + 1e-9


def read_model(run: Any, arrivals: list[float]) -> list[tuple[float, list[float]]]:
    applied: list[tuple[float, list[float]]] = run(
        arrivals, gather=READ_MODEL_GATHER_SECONDS, quiet=READ_MODEL_QUIET_SECONDS
    )
    return applied


def test_a_read_models_stream_is_applied_in_batches_of_its_whole_gathering_window(run):
    applied = read_model(run, [i * 0.008 for i in range(100)])  # 125 a second
    sizes = [len(batch) for _, batch in applied]
    assert sizes[0] == 1  # the first after a quiet spell: the short window still
    assert sum(sizes) == 100
    assert all(size >= 18 for size in sizes[1:-1])
    assert max(waits(applied)) <= READ_MODEL_GATHER_SECONDS + BATCH_WINDOW_SECONDS + 1e-9


def test_a_read_models_batch_is_applied_when_its_stream_pauses_for_the_quiet_window(run):
    stream = [i * 0.008 for i in range(12)]  # 88 ms of a stream, then nothing
    applied = read_model(run, stream)
    assert [len(batch) for _, batch in applied] == [1, 11]
    # Applied the quiet window after the last message, not the gathering window after the first.
    assert applied[-1][0] == pytest.approx(1000.0 + stream[-1] + READ_MODEL_QUIET_SECONDS)
    # A pause longer than the quiet window ends the batch: what comes after is the next one.
    paused = [*stream, stream[-1] + READ_MODEL_QUIET_SECONDS + 0.01]
    assert [len(batch) for _, batch in read_model(run, paused)] == [1, 11, 1]


def test_a_read_models_message_after_a_quiet_spell_waits_no_more_than_the_short_window(run):
    applied = read_model(run, [0.0, 1.0, 2.5])
    assert [len(batch) for _, batch in applied] == [1, 1, 1]
    assert max(waits(applied)) == pytest.approx(BATCH_WINDOW_SECONDS)


def test_messages_that_come_back_to_back_are_applied_when_the_batch_is_full(run):
    applied = run([i * 0.001 for i in range(250)])  # no pause of 5 ms ever
    assert [len(batch) for _, batch in applied] == [100, 100, 50]
    assert applied[-1][0] == pytest.approx(1000.0 + 0.249 + BATCH_WINDOW_SECONDS)


def test_a_full_batch_is_applied_at_once(run):
    applied = run([0.0] + [0.030 + i * 0.0001 for i in range(25)], batch_size=10)
    sizes = [len(batch) for _, batch in applied]
    assert sizes == [1, 10, 10, 5]
    assert applied[1][0] == pytest.approx(0.030 + 9 * 0.0001 + 1000.0)
