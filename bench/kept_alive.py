"""One benchmark client's HTTP/1.1 connection, kept alive between its requests
(bench/workflow.py's action clients)."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit


class KeptAlive:
    """One client's HTTP/1.1 connection to a service, kept alive between its requests as a
    `requests.Session` keeps it, on `http.client` directly: the same requests on the wire
    (a POST without a body is sent with `Content-Length: 0`) for a fraction of the client's
    CPU, which shares the machine's cores with the services measured. A connection the server
    closed is opened again at the next request; an error is raised, as `requests` raises it
    (it does not retry a POST either)."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def post(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        """POST `path` without a body; the answer's status and body, read whole."""
        if self._connection is None:
            self._connection = http.client.HTTPConnection(
                self.host, self.port, timeout=self.timeout
            )
        try:
            self._connection.request("POST", path, headers=headers)
            answer = self._connection.getresponse()
            body = answer.read()
        except BaseException:
            self.close()
            raise
        if answer.will_close:
            self.close()
        return answer.status, body

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
