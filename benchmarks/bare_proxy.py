"""The least a Python API in front of Meilisearch can cost on this machine: the ceiling that
``benchmarks.search_bench`` measures Hopquy's search API against, beside raw Meilisearch.

A Litestar app served by uvicorn as ``hopquy serve`` serves Hopquy, with one async route,
``GET /search?q=``, that sends Meilisearch the request Hopquy's search sends first
(``search.request.meili_request``) over a kept-alive connection of its own (asyncio streams:
no HTTP client library's own cost) and answers Meilisearch's bytes as they came. Nothing
else: no registry, no checks, no second request, no shaping of the answer. Whatever an API
does beyond forwarding comes on top of this.

    HOPQUY_MEILI_URL=... HOPQUY_MEILI_KEY=... HOPQUY_MEILI_INDEX=bench \
        python -m uvicorn benchmarks.bare_proxy:create_app --factory
"""

from __future__ import annotations

import asyncio
import os
from urllib.parse import urlsplit

import orjson
from litestar import Litestar, Response, get

from registry.clock import today
from search.on_the_loop import read_answer
from search.request import SearchParams, meili_request


class Connections:
    """Kept-alive HTTP/1.1 connections to one server, one request at a time on each."""

    def __init__(self, url: str, key: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.head = (f"Host: {self.host}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\n"
                     "Accept-Encoding: identity\r\nConnection: keep-alive\r\n").encode()
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, path: str, body: bytes) -> bytes:
        reader, writer = self.idle.pop() if self.idle else await asyncio.open_connection(self.host, self.port)
        writer.write(b"POST " + path.encode() + b" HTTP/1.1\r\n" + self.head
                     + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        _, answer, _ = await read_answer(reader)  # as the API's own searches read it
        self.idle.append((reader, writer))
        return answer


def create_app() -> Litestar:
    connections = Connections(os.environ["HOPQUY_MEILI_URL"], os.environ.get("HOPQUY_MEILI_KEY", ""))
    path = f"/indexes/{os.environ.get('HOPQUY_MEILI_INDEX', 'bench')}/search"

    @get("/search")
    async def search(q: str = "") -> Response[bytes]:
        body = orjson.dumps({"q": q, **meili_request(SearchParams(q=q), today())})
        return Response(await connections.post(path, body), media_type="application/json")

    @get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar([search, healthz], openapi_config=None)
