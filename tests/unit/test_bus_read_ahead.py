"""The AMQP transport reads ahead of the frame it reads (shared/bus.py `_ReadAheadTCPTransport`):
frames come out whole and in order, whatever the socket returns at once, and a timeout in the
middle of a frame loses nothing."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

import pytest

from shared.bus import AmqpTransport, Bus, _ReadAheadTCPTransport
from shared.topology import Topology


def _frame(channel: int, payload: bytes, frame_type: int = 1) -> bytes:
    return struct.pack(">BHI", frame_type, channel, len(payload)) + payload + b"\xce"


@pytest.fixture
def pair() -> Iterator[tuple[_ReadAheadTCPTransport, socket.socket]]:
    ours, theirs = socket.socketpair()
    transport = _ReadAheadTCPTransport.__new__(_ReadAheadTCPTransport)
    transport.sock = ours
    transport.raise_on_initial_eintr = True
    transport._setup_transport()
    calls: list[int] = []
    recv = ours.recv

    def counted(n: int) -> bytes:
        calls.append(n)
        return recv(n)

    transport._quick_recv = counted
    transport.calls = calls  # type: ignore[attr-defined]
    yield transport, theirs
    ours.close()
    theirs.close()


def test_frames_sent_together_are_read_with_one_recv(
    pair: tuple[_ReadAheadTCPTransport, socket.socket],
) -> None:
    transport, theirs = pair
    frames = [_frame(1, b"method"), _frame(1, b"header" * 10), _frame(1, "thân".encode() * 500)]
    theirs.sendall(b"".join(frames))
    read = [transport.read_frame() for _ in frames]
    assert [(t, c, bytes(p)) for t, c, p in read] == [
        (1, 1, b"method"),
        (1, 1, b"header" * 10),
        (1, 1, "thân".encode() * 500),
    ]
    assert len(transport.calls) == 1


def test_a_frame_larger_than_one_read_comes_out_whole(
    pair: tuple[_ReadAheadTCPTransport, socket.socket],
) -> None:
    transport, theirs = pair
    payload = bytes(range(256)) * 1024  # 256 KB, over several reads
    theirs.setblocking(False)
    data = _frame(2, payload) + _frame(3, b"next")
    sent = 0
    while sent < len(data):  # the reader drains the pair's buffer as it goes
        try:
            sent += theirs.send(data[sent:])
        except BlockingIOError:
            transport._read_buffer += transport._quick_recv(1 << 20)
    assert transport.read_frame() == (1, 2, payload)
    assert transport.read_frame() == (1, 3, b"next")


def test_a_timeout_in_the_middle_of_a_frame_loses_nothing(
    pair: tuple[_ReadAheadTCPTransport, socket.socket],
) -> None:
    transport, theirs = pair
    frame = _frame(1, b"x" * 100)
    theirs.sendall(frame[:50])
    with transport.having_timeout(0.05), pytest.raises(socket.timeout):
        transport.read_frame()
    theirs.sendall(frame[50:] + _frame(4, b"after"))
    assert transport.read_frame() == (1, 1, b"x" * 100)
    assert transport.read_frame() == (1, 4, b"after")


def test_a_closed_socket_is_an_error(pair: tuple[_ReadAheadTCPTransport, socket.socket]) -> None:
    transport, theirs = pair
    theirs.sendall(_frame(1, b"abc")[:4])
    theirs.close()
    with pytest.raises(OSError, match="unexpectedly closed"):
        transport.read_frame()


def test_amqp_connections_use_it_and_the_in_process_broker_does_not() -> None:
    topology = Topology(namespace="t", retry_delays=(1,))
    amqp = Bus("amqp://guest:guest@127.0.0.1:5672//", topology).connection()
    memory = Bus("memory://", topology).connection()
    assert amqp.transport_cls is AmqpTransport
    assert memory.transport_cls != AmqpTransport
