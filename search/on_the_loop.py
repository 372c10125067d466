"""Searches sent from the event loop's own thread: the search path (``search.query``) is
plain synchronous code, and a request served on the event loop runs it in a greenlet
(SQLAlchemy's ``greenlet_spawn``, the bridge its asyncio support is built on). Each request
to Meilisearch is written at once on a kept-alive asyncio connection, and reading its answer
hands the thread back to the loop (``await_only``) until the bytes are there, so other
searches go on meanwhile. No worker thread is used: the hop to one and back cost more than
the search's own Python (docs/benchmarks.md, "the ceiling measured").

Only searches come this way; they change nothing, so a kept connection the server had
closed is replaced and the request sent once more, as ``search.kept_alive`` does.
"""

from __future__ import annotations

import asyncio
import socket
import weakref
from urllib.parse import urlsplit

from sqlalchemy.util import await_only
from sqlalchemy.util.concurrency import in_greenlet

__all__ = ["LoopConnections", "in_greenlet", "read_answer"]
KEPT = 32  # idle connections kept per loop; more at once are closed once answered
Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class LoopConnections:
    """Kept-alive connections to one server, for one event loop, used from greenlets on it."""

    def __init__(self, url: str, headers: dict[str, str], timeout: float) -> None:
        parts = urlsplit(url)
        self.ssl = parts.scheme == "https"
        self.host, self.port = parts.hostname or "localhost", parts.port or (443 if self.ssl else 80)
        self.prefix, self.timeout = parts.path.rstrip("/"), timeout
        lines = [f"Host: {self.host}:{self.port}", "Connection: keep-alive",
                 *(f"{name}: {value}" for name, value in headers.items())]
        self.head = ("\r\n".join(lines) + "\r\n").encode("latin-1")
        self.idle: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[Stream]] = weakref.WeakKeyDictionary()

    def send(self, method: str, path: str, body: bytes) -> LoopSent:
        """Write the request now (from a greenlet on the loop); ``answer`` reads it."""
        idle = self.idle.setdefault(asyncio.get_running_loop(), [])
        fresh = not idle
        stream = self._open() if fresh else idle.pop()
        request = (f"{method} {self.prefix}{path} HTTP/1.1\r\n".encode("latin-1") + self.head
                   + f"Content-Length: {len(body)}\r\n\r\n".encode("latin-1") + body)
        stream[1].write(request)
        return LoopSent(self, idle, stream, fresh, (method, path, body))

    def _open(self) -> Stream:
        reader, writer = await_only(asyncio.wait_for(
            asyncio.open_connection(self.host, self.port, ssl=self.ssl or None), self.timeout))
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reader, writer


class LoopSent:
    """A request written: ``answer`` waits for it without holding the loop."""

    def __init__(self, pool: LoopConnections, idle: list[Stream], stream: Stream, fresh: bool,
                 request: tuple[str, str, bytes]) -> None:
        self.pool, self.idle, self.stream, self.fresh, self.request = pool, idle, stream, fresh, request

    def answer(self) -> tuple[int, bytes]:
        """(status, body); OSError when the server cannot be reached or broke off."""
        try:
            status, body, keep = await_only(asyncio.wait_for(read_answer(self.stream[0]), self.pool.timeout))
        except TimeoutError:  # no answer in time (an OSError too): a hang, not a closed connection
            self.stream[1].close()
            raise
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            self.stream[1].close()
            if self.fresh:
                raise OSError(f"Meilisearch broke off: {exc!r}") from exc
            return self.pool.send(*self.request).answer()  # a kept connection the server had closed
        except BaseException:  # the request was cancelled: the answer is not read
            self.stream[1].close()
            raise
        if keep and len(self.idle) < KEPT:
            self.idle.append(self.stream)
        else:
            self.stream[1].close()
        return status, body


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """An HTTP/1.1 answer: (status, body, whether the connection may be kept)."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    fields = {name.strip().lower(): value.strip()
              for name, _, value in (line.partition(":") for line in head[1:] if line)}
    if fields.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            chunks.append(await reader.readexactly(size + 2))
        await reader.readuntil(b"\r\n")
        body = b"".join(chunk[:-2] for chunk in chunks)
    else:
        body = await reader.readexactly(int(fields.get("content-length", "0")))
    return status, body, fields.get("connection", "").lower() != "close"
