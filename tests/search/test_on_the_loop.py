"""Searches sent from the event loop (search.on_the_loop): in a greenlet, as the search API
runs them, requests wait without holding the loop, connections are kept and replaced, and
an absent or silent server is SearchUnavailable."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest
from sqlalchemy.util import greenlet_spawn

from search.client import SearchIndex, SearchTarget, SearchUnavailable
from search.on_the_loop import LoopConnections
from search.process import free_port
from tests.search.test_kept_alive import Echo, server  # noqa: F401  the echoing server and its fixture


def on_the_loop(work):
    """``work()`` run as the search API runs a search: in a greenlet on an event loop."""
    async def main():
        return await greenlet_spawn(work)
    return asyncio.run(main())


def test_one_connection_serves_request_after_request(server):  # noqa: F811
    pool = LoopConnections(server, {"Content-Type": "application/json"}, timeout=5)
    answers = on_the_loop(lambda: [pool.send("POST", "/x", f"{i}".encode()).answer() for i in range(5)])
    assert answers == [(200, f'{{"echo": {i}}}'.encode()) for i in range(5)]
    assert len({port for port, _ in Echo.seen}) == 1


def test_a_connection_the_server_closed_is_replaced_and_the_request_sent_again(server):  # noqa: F811
    pool = LoopConnections(server, {}, timeout=5)

    def work():
        assert pool.send("POST", "/x", b'"bye"').answer()[0] == 200  # answered, then closed by the server
        return pool.send("POST", "/x", b"1").answer()

    assert on_the_loop(work) == (200, b'{"echo": 1}')
    assert [body for _, body in Echo.seen] == [b'"bye"', b"1"]


def test_two_searches_wait_for_their_answers_at_the_same_time(server):  # noqa: F811
    """Each request's handler waits until both have arrived: were the second sent only once
    the first was answered, the barrier would break and neither would be answered."""
    both = threading.Barrier(2, timeout=5)
    waiting = Echo.do_POST

    def do_post(handler):
        both.wait()
        waiting(handler)

    Echo.do_POST = do_post
    try:
        pool = LoopConnections(server, {}, timeout=10)

        async def main():
            return await asyncio.gather(*(greenlet_spawn(lambda b=body: pool.send("POST", "/x", b).answer())
                                          for body in (b"1", b"2")))

        assert asyncio.run(main()) == [(200, b'{"echo": 1}'), (200, b'{"echo": 2}')]
    finally:
        Echo.do_POST = waiting


def test_no_server_or_a_silent_one_is_search_unavailable():
    gone = SearchIndex(SearchTarget(f"http://127.0.0.1:{free_port()}", "key", "certificates"), timeout=1)
    with pytest.raises(SearchUnavailable):
        on_the_loop(lambda: gone.search("galaxy", {}))
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        mute = SearchIndex(SearchTarget(f"http://127.0.0.1:{silent.getsockname()[1]}", "key", "c"), timeout=0.5)
        with pytest.raises(SearchUnavailable):
            on_the_loop(lambda: mute.search("galaxy", {}))
