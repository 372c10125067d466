"""JSON posted to Meilisearch over kept-alive connections, with the standard library's client.

A search is a small POST and a small answer over a local network, where the client's own
work counts: httpx spends about 0.7 ms of Python on each request (URL parsing, header
validation, the h11 state machine, its pool), as much as Meilisearch takes to answer a
search of 40,000 documents, and a search API request makes two or three. ``http.client``
does the same in about a tenth of that. httpx stays for everything else (documents, tasks).
"""

from __future__ import annotations

import http.client
import queue
import socket
from urllib.parse import urlsplit


class KeptAlive:
    """POSTs to one Meilisearch, each on a connection of a small pool that threads share (a
    connection serves one request at a time); a connection the server closed while idle is
    replaced and the request sent once more (searches change nothing). A request can be sent
    and its answer read later (``send``), so that the caller's own work overlaps the server's."""

    def __init__(self, url: str, headers: dict[str, str], timeout: float, size: int = 32) -> None:
        parts = urlsplit(url)
        self.kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self.host, self.port, self.prefix = parts.hostname or "localhost", parts.port, parts.path.rstrip("/")
        self.headers, self.timeout = {**headers, "Connection": "keep-alive"}, timeout
        self.idle: queue.LifoQueue[http.client.HTTPConnection] = queue.LifoQueue(maxsize=size)

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        """(status, body) of the answer; OSError or http.client.HTTPException when the server
        cannot be reached or broke off."""
        return self.send("POST", path, body).answer()

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """Any request that changes nothing (it may be sent twice): ``post`` for searches; the
        benchmarks ask pages with it, as fast as raw Meilisearch is asked."""
        return self.send(method, path, body).answer()

    def send(self, method: str, path: str, body: bytes | None = None) -> Sent:
        """Send a request that changes nothing and return at once: the caller works while the
        server does, then reads the answer (``Sent.answer``)."""
        fresh, connection = self._take()
        try:
            connection.request(method, self.prefix + path, body, self.headers)
        except (OSError, http.client.HTTPException):
            connection.close()
            if fresh:  # a new connection failed: the server is not there
                raise
            fresh, connection = self._take(new=True)  # a kept connection the server had closed
            connection.request(method, self.prefix + path, body, self.headers)
        return Sent(self, connection, fresh, (method, path, body))

    def close(self) -> None:
        while True:
            try:
                self.idle.get_nowait().close()
            except queue.Empty:
                return

    def _take(self, new: bool = False) -> tuple[bool, http.client.HTTPConnection]:
        """(whether it is new, a connection): a kept one unless ``new`` or none is idle."""
        if not new:
            try:
                return False, self.idle.get_nowait()
            except queue.Empty:
                pass
        connection = self.kind(self.host, self.port, timeout=self.timeout)
        connection.connect()
        # the head and the body go out at once, and the answer is not held for a delayed ACK
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return True, connection

    def _give(self, connection: http.client.HTTPConnection) -> None:
        try:
            self.idle.put_nowait(connection)
        except queue.Full:
            connection.close()


class Sent:
    """A request on its way: ``answer`` waits for it."""

    def __init__(self, pool: KeptAlive, connection: http.client.HTTPConnection, fresh: bool,
                 request: tuple[str, str, bytes | None]) -> None:
        self.pool, self.connection, self.fresh, self.request = pool, connection, fresh, request

    def answer(self) -> tuple[int, bytes]:
        """(status, body); OSError or http.client.HTTPException when the server broke off."""
        try:
            response = self.connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            if self.fresh or isinstance(exc, TimeoutError):  # no answer in time: not a closed connection
                raise
            return self.pool.send(*self.request).answer()  # a kept connection the server had closed
        if response.will_close:
            self.connection.close()
        else:
            self.pool._give(self.connection)
        return response.status, body
