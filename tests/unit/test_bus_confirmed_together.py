"""`confirmed_together` (shared/bus.py) writes a block's frames to the socket together after the
block, and still writes them when the block fails half-way (as one write per message would
have); the socket's own write is put back either way."""

from __future__ import annotations

from typing import Any

import pytest

from shared.bus import confirmed_together


class _Transport:
    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self._write = self.sent.append


class _Connection:
    confirm_publish = True

    def __init__(self, channel: _Channel) -> None:
        self.transport = _Transport()
        self.channel = channel

    def drain_events(self, timeout: float) -> None:
        for handler in list(self.channel.events["basic_ack"]):
            handler(self.channel.nhiemvu_published, True)


class _Channel:
    def __init__(self) -> None:
        self._confirm_selected = True
        self.nhiemvu_published = 0
        self.events: dict[str, set[Any]] = {"basic_ack": set(), "basic_nack": set()}
        self.connection = _Connection(self)
        self.buffer = bytearray(8)

    def basic_publish_confirm(self, *args: Any) -> None:
        raise AssertionError("waited for one message's confirm")

    basic_publish = basic_publish_confirm

    def _basic_publish(self, body: bytes) -> None:
        # py-amqp hands the transport a view of a buffer it reuses for the next frame.
        self.buffer[:] = body.ljust(8)
        self.connection.transport._write(memoryview(self.buffer))


class _Producer:
    def __init__(self) -> None:
        self.channel = _Channel()


def test_the_blocks_frames_go_out_in_one_write_after_it() -> None:
    producer = _Producer()
    transport = producer.channel.connection.transport
    direct = transport._write
    with confirmed_together(producer):  # type: ignore[arg-type]
        for body in (b"one", b"two", b"three"):
            producer.channel.basic_publish(body)
        assert transport.sent == []
    assert transport.sent == [b"one     two     three   "]
    assert transport._write == direct
    assert producer.channel.basic_publish == producer.channel.basic_publish_confirm


def test_what_a_failing_block_published_still_goes_out() -> None:
    producer = _Producer()
    transport = producer.channel.connection.transport
    direct = transport._write
    with (
        pytest.raises(RuntimeError, match="half-way"),
        confirmed_together(producer),  # type: ignore[arg-type]
    ):
        producer.channel.basic_publish(b"one")
        producer.channel.basic_publish(b"two")
        raise RuntimeError("half-way")
    assert transport.sent == [b"one     two     "]
    assert transport._write == direct
