"""The action benchmark's clients on one thread (bench/action_clients.py) put on the wire what
`http.client` puts there, read answers as it reads them, and keep each client on one connection:
the benchmark measures the same requests as before, for less of its own CPU."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from bench.action_clients import ActionClients, Answer, parse_answer, post_bytes

HEADERS = {"Authorization": "Bearer abc.def.ghi"}
# One thread multiplexing the clients (`run`), or one thread per client (`run_threads`).
RUNNERS = ("run", "run_threads")


def _read_request(conn: socket.socket, pending: bytearray) -> bytes | None:
    """One request without a body (what the clients send), or None once the client closed."""
    while b"\r\n\r\n" not in pending:
        data = conn.recv(4096)
        if not data:
            return None
        pending += data
    end = pending.index(b"\r\n\r\n") + 4
    request = bytes(pending[:end])
    del pending[:end]
    return request


@contextmanager
def _server(answer: Callable[[int, bytes], bytes | None]) -> Iterator[tuple[str, list[bytes]]]:
    """A server answering each request with `answer(connection number, request)`: bytes to
    send (a trailing b"|close" closes the connection after them), None to close at once."""
    listener = socket.create_server(("127.0.0.1", 0))
    requests: list[bytes] = []
    connections = 0

    def serve(conn: socket.socket, number: int) -> None:
        pending = bytearray()
        with conn:
            while (request := _read_request(conn, pending)) is not None:
                requests.append(request)
                reply = answer(number, request)
                if reply is None:
                    return
                conn.sendall(reply.removesuffix(b"|close"))
                if reply.endswith(b"|close"):
                    return

    def accept() -> None:
        nonlocal connections
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            connections += 1
            threading.Thread(target=serve, args=(conn, connections), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", requests
    finally:
        listener.close()


def _run(
    clients: ActionClients, runner: str, plans: list[list[tuple[bytes, Any]]], think: float = 0.0
) -> list[Answer]:
    answers: list[Answer] = getattr(clients, runner)(plans, think)
    return answers


def _ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


def test_a_request_is_the_bytes_http_client_sends() -> None:
    with _server(lambda _n, _r: _ok(b"{}")) as (url, requests):
        port = int(url.rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("POST", "/api/workflow/tasks/t1/actions/accept", headers=HEADERS)
        connection.getresponse().read()
        connection.close()
        assert requests == [
            post_bytes("127.0.0.1", port, "/api/workflow/tasks/t1/actions/accept", HEADERS)
        ]


def test_answers_are_framed_as_http_client_frames_them() -> None:
    assert parse_answer(bytearray(b"HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nab")) is None
    whole = b"HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nabcdHTTP/1.1"
    assert parse_answer(bytearray(whole)) == (201, b"abcd", False, len(whole) - 8)
    closing = b"HTTP/1.1 409 Conflict\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno"
    assert parse_answer(bytearray(closing)) == (409, b"no", True, len(closing))
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"
    )
    assert parse_answer(bytearray(chunked[:-2])) is None
    assert parse_answer(bytearray(chunked)) == (200, b"abcde", False, len(chunked))
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"
    assert parse_answer(bytearray(interim)) == (204, b"", False, len(interim))
    old = b"HTTP/1.0 200 OK\r\n\r\nuntil the end"
    assert parse_answer(bytearray(old)) is None
    assert parse_answer(bytearray(old), at_eof=True) == (200, b"until the end", True, len(old))
    kept = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"
    assert parse_answer(bytearray(kept)) == (200, b"", False, len(kept))


@pytest.mark.parametrize("runner", RUNNERS)
def test_each_client_keeps_one_connection_and_waits_for_each_answer(runner: str) -> None:
    seen: dict[int, list[bytes]] = {}

    def answer(number: int, request: bytes) -> bytes:
        seen.setdefault(number, []).append(request.split(b" ")[1])
        return _ok(b'{"n": %d}' % number)

    with _server(answer) as (url, _requests):
        clients = ActionClients(url, timeout=5)
        plans = [
            [(clients.request(f"/c{c}/r{r}", HEADERS), (c, r)) for r in range(4)] for c in range(5)
        ]
        answers = _run(clients, runner, plans)
    assert sorted(a.key for a in answers) == [(c, r) for c in range(5) for r in range(4)]
    assert all(a.status == 200 and a.began <= a.answered for a in answers)
    # Five connections, one per client, each carrying its client's requests in order.
    assert sorted(seen.values()) == [[b"/c%d/r%d" % (c, r) for r in range(4)] for c in range(5)]
    assert {a.body for a in answers} == {b'{"n": %d}' % n for n in seen}


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_connection_the_server_closes_after_an_answer_is_opened_again(runner: str) -> None:
    def answer(_number: int, _request: bytes) -> bytes:
        return _ok(b"bye", b"Connection: close\r\n") + b"|close"

    with _server(answer) as (url, requests):
        clients = ActionClients(url, timeout=5)
        plan = [(clients.request(f"/r{r}", HEADERS), r) for r in range(3)]
        answers = _run(clients, runner, [plan])
    assert [(a.key, a.status, a.body) for a in answers] == [(r, 200, b"bye") for r in range(3)]
    assert len(requests) == 3


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_connection_closed_without_an_answer_raises_as_http_client_raises(runner: str) -> None:
    with _server(lambda _n, _r: None) as (url, _requests):
        clients = ActionClients(url, timeout=5)
        with pytest.raises(http.client.RemoteDisconnected):
            _run(clients, runner, [[(clients.request("/r", HEADERS), 0)]])


@pytest.mark.parametrize("runner", RUNNERS)
def test_an_answer_that_does_not_come_in_time_raises(runner: str) -> None:
    with _server(lambda _n, _r: b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\npart") as (url, _):
        clients = ActionClients(url, timeout=0.2)
        with pytest.raises(TimeoutError):
            _run(clients, runner, [[(clients.request("/r", HEADERS), 0)]])


@pytest.mark.parametrize("runner", RUNNERS)
def test_paced_clients_pause_between_requests(runner: str) -> None:
    with _server(lambda _n, _r: _ok(b"{}")) as (url, _requests):
        clients = ActionClients(url, timeout=5)
        plans = [
            [(clients.request(f"/c{c}/r{r}", HEADERS), (c, r)) for r in range(2)] for c in range(3)
        ]
        answers = _run(clients, runner, plans, 0.1)
    by_client: dict[int, list[float]] = {}
    for a in answers:
        by_client.setdefault(a.key[0], []).append(a.began)
    # The second request of a client follows its first answer by 0.05–0.15 s.
    for c, began in by_client.items():
        first = next(a for a in answers if a.key == (c, 0))
        assert 0.05 <= began[1] - first.answered < 0.3
