"""The action benchmark's HTTP clients (bench/workflow.py) on one thread: each client its own
HTTP/1.1 connection, kept alive between its requests, and one request at a time; a selector
multiplexes the connections (fifty OS threads handing the interpreter lock to each other cost
the benchmark process more CPU than the requests, CPU taken from the cores the services are
measured on). The requests are the bytes `http.client` sends (the same headers in the same
order, a POST without a body with `Content-Length: 0`), encoded once; an
answer is read as far as its status, framing (Content-Length, chunked, or until the server
closes) and `Connection`. A connection the server closed after an answer is opened again at the
client's next request; one closed without an answer raises, as `http.client` raises (a POST is
not retried), and so does an answer that does not come within the timeout."""

from __future__ import annotations

import heapq
import random
import selectors
import socket
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from http.client import RemoteDisconnected
from typing import Any
from urllib.parse import urlsplit

CHUNK = 65536


def post_bytes(host: str, port: int, path: str, headers: dict[str, str]) -> bytes:
    """A POST without a body as `http.client` puts it on the wire: Host, Accept-Encoding,
    Content-Length, then the caller's headers in their order."""
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Accept-Encoding: identity",
        "Content-Length: 0",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Answer:
    """One answer: the key of its request, its status and body, when the request was sent and
    when the answer was read whole (time.time())."""

    __slots__ = ("answered", "began", "body", "key", "status")

    def __init__(self, key: Any, status: int, body: bytes, began: float, answered: float) -> None:
        self.key, self.status, self.body = key, status, body
        self.began, self.answered = began, answered


class _Client:
    __slots__ = ("began", "buffer", "closed_by_server", "index", "next", "plan", "sock")

    def __init__(self, index: int, plan: Sequence[tuple[bytes, Any]]) -> None:
        self.index = index
        self.plan = plan
        self.next = 0
        self.sock: socket.socket | None = None
        self.buffer = bytearray()
        self.began = 0.0  # 0 while no request is in flight
        self.closed_by_server = False


def parse_answer(buffer: bytearray, *, at_eof: bool = False) -> tuple[int, bytes, bool, int] | None:
    """The first whole answer in `buffer` (status, body, whether the server closes the
    connection after it, bytes it took), or None while it is incomplete. Interim 1xx answers
    are skipped, as `http.client` skips them."""
    start = 0
    while True:
        end = buffer.find(b"\r\n\r\n", start)
        if end < 0:
            return None
        head = bytes(buffer[start:end]).lower()
        status_line, _, fields = head.partition(b"\r\n")
        version, _, rest = status_line.partition(b" ")
        status = int(rest[:3])
        if 100 <= status < 200 and status != 101:
            start = end + 4
            continue
        break
    values = {}
    for line in fields.split(b"\r\n"):
        name, _, value = line.partition(b":")
        values[name.strip()] = value.strip()
    connection = values.get(b"connection", b"")
    if version == b"http/1.1":
        will_close = b"close" in connection
    else:  # HTTP/1.0: closed unless the server keeps it alive
        will_close = b"keep-alive" not in connection
    body_start = end + 4
    if status in (204, 304) or 100 <= status < 200:
        return status, b"", will_close, body_start
    if b"chunked" in values.get(b"transfer-encoding", b""):
        return _chunked(buffer, body_start, status, will_close)
    length = values.get(b"content-length")
    if length is None:  # the body runs until the server closes the connection
        if not at_eof:
            return None
        return status, bytes(buffer[body_start:]), True, len(buffer)
    body_end = body_start + int(length)
    if len(buffer) < body_end:
        return None
    return status, bytes(buffer[body_start:body_end]), will_close, body_end


def _chunked(
    buffer: bytearray, at: int, status: int, will_close: bool
) -> tuple[int, bytes, bool, int] | None:
    parts: list[bytes] = []
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None
        size = int(bytes(buffer[at:line_end]).split(b";")[0], 16)
        at = line_end + 2
        if size == 0:  # trailer fields, then an empty line
            end = buffer.find(b"\r\n\r\n", at - 2)
            if end < 0:
                return None
            return status, b"".join(parts), will_close, end + 4
        if len(buffer) < at + size + 2:
            return None
        parts.append(bytes(buffer[at : at + size]))
        at += size + 2


class ActionClients:
    """Clients of one service, each with its plan of requests (bytes, key), run together."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.timeout = timeout

    def request(self, path: str, headers: dict[str, str]) -> bytes:
        return post_bytes(self.host, self.port, path, headers)

    def run(self, plans: Sequence[Sequence[tuple[bytes, Any]]], think: float = 0.0) -> list[Answer]:
        """Every client sends its plan's requests one at a time, the next as soon as the answer
        to the last is read, or with `think` after a pause of `think` seconds (±50 %). The
        answers, in arrival order."""
        clients = [_Client(i, plan) for i, plan in enumerate(p for p in plans if p)]
        answers: list[Answer] = []
        selector = selectors.DefaultSelector()
        wakes: list[tuple[float, int]] = []
        try:
            now = time.monotonic()
            for index, client in enumerate(clients):
                if think:
                    # People who pause between actions do not all begin at the same instant:
                    # each client arrives at a random moment within one pause (a simultaneous
                    # first round of requests is a burst, which the back-to-back run measures).
                    heapq.heappush(wakes, (now + random.uniform(0, think * 1.5), index))
                else:
                    self._send(client, selector)
            self._loop(clients, answers, selector, wakes, think)
        finally:
            for client in clients:
                if client.sock is not None:
                    client.sock.close()
            selector.close()
        return answers

    def run_threads(
        self, plans: Sequence[Sequence[tuple[bytes, Any]]], think: float = 0.0
    ) -> list[Answer]:
        """As `run`, each client on a thread of its own, blocking on its socket."""
        answers: list[Answer] = []
        lock = threading.Lock()

        def client(plan: Sequence[tuple[bytes, Any]]) -> None:
            sock: socket.socket | None = None
            buffer = bytearray()
            if think:  # as in `run`: each client arrives at a random moment within one pause
                time.sleep(random.uniform(0, think * 1.5))
            try:
                for payload, key in plan:
                    began = time.time()
                    if sock is None:
                        sock = self._connect()
                    sock.sendall(payload)
                    while True:
                        data = sock.recv(CHUNK)
                        buffer += data
                        parsed = parse_answer(buffer, at_eof=not data)
                        if parsed is not None:
                            break
                        if not data:
                            raise RemoteDisconnected(
                                "Remote end closed connection without response"
                            )
                    answered = time.time()
                    status, body, will_close, used = parsed
                    del buffer[:used]
                    with lock:
                        answers.append(Answer(key, status, body, began, answered))
                    if will_close or not data:
                        sock.close()
                        sock, buffer = None, bytearray()
                    if think:
                        time.sleep(think * random.uniform(0.5, 1.5))
            finally:
                if sock is not None:
                    sock.close()

        with ThreadPoolExecutor(max(1, len(plans))) as pool:
            list(pool.map(client, plans))
        return answers

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _loop(
        self,
        clients: list[_Client],
        answers: list[Answer],
        selector: selectors.BaseSelector,
        wakes: list[tuple[float, int]],
        think: float,
    ) -> None:
        active = len(clients)
        look_at = time.monotonic() + 1.0  # when the in-flight requests' timeouts are checked
        while active:
            wait = 1.0 if not wakes else min(1.0, max(0.0, wakes[0][0] - time.monotonic()))
            for key, _mask in selector.select(wait):
                client: _Client = key.data
                answer = self._receive(client, selector)
                if answer is None:
                    continue
                answers.append(answer)
                client.next += 1
                if client.next == len(client.plan):
                    active -= 1
                    self._close(client, selector)
                elif think:
                    pause = think * random.uniform(0.5, 1.5)
                    heapq.heappush(wakes, (time.monotonic() + pause, client.index))
                else:
                    self._send(client, selector)
            now = time.monotonic()
            while wakes and wakes[0][0] <= now:
                self._send(clients[heapq.heappop(wakes)[1]], selector)
            if now >= look_at:
                look_at = now + 1.0
                wall = time.time()
                if any(c.began and wall - c.began > self.timeout for c in clients):
                    raise TimeoutError(f"no answer within {self.timeout:g} s")

    def _send(self, client: _Client, selector: selectors.BaseSelector) -> None:
        if client.closed_by_server:  # closed while idle: http.client finds it so on reading
            raise RemoteDisconnected("Remote end closed connection without response")
        client.began = time.time()
        if client.sock is None:
            sock = self._connect()
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ, client)
            client.sock = sock
        payload = client.plan[client.next][0]
        sent = client.sock.send(payload)
        if sent < len(payload):  # a full send buffer (not seen with requests this small)
            client.sock.settimeout(self.timeout)
            client.sock.sendall(payload[sent:])
            client.sock.setblocking(False)

    def _receive(self, client: _Client, selector: selectors.BaseSelector) -> Answer | None:
        assert client.sock is not None
        data = client.sock.recv(CHUNK)
        if not client.began:  # readable while idle: the server closed the kept-alive connection
            if data:
                raise ConnectionError("data from the server with no request in flight")
            self._close(client, selector)
            client.closed_by_server = True
            return None
        client.buffer += data
        parsed = parse_answer(client.buffer, at_eof=not data)
        if parsed is None:
            if not data:
                raise RemoteDisconnected("Remote end closed connection without response")
            return None
        answered = time.time()
        status, body, will_close, used = parsed
        del client.buffer[:used]
        answer = Answer(client.plan[client.next][1], status, body, client.began, answered)
        client.began = 0.0
        if will_close or not data:
            self._close(client, selector)
        return answer

    def _close(self, client: _Client, selector: selectors.BaseSelector) -> None:
        if client.sock is not None:
            selector.unregister(client.sock)
            client.sock.close()
            client.sock = None
            client.buffer.clear()
