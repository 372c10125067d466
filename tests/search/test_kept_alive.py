"""The searches' HTTP client (search.kept_alive): kept-alive connections, a connection the
server closed replaced, an absent server an error, answers read after other work."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from search.client import SearchIndex, SearchTarget, SearchUnavailable
from search.kept_alive import KeptAlive
from search.process import free_port


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps connections open
    seen: list[tuple[int, bytes]] = []  # (client port, body)

    def do_POST(self) -> None:  # noqa: N802  the handler's name is http.server's
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Echo.seen.append((self.client_address[1], body))
        answer = b'{"echo": ' + body + b"}"
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        if body == b'"bye"':
            self.close_connection = True  # the server closes it, unannounced, after answering

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    Echo.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Echo)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_one_connection_serves_request_after_request(server):
    client = KeptAlive(server, {"Content-Type": "application/json"}, timeout=5)
    answers = [client.post("/x", f"{i}".encode()) for i in range(5)]
    assert answers == [(200, f'{{"echo": {i}}}'.encode()) for i in range(5)]
    assert len({port for port, _ in Echo.seen}) == 1


def test_a_connection_the_server_closed_is_replaced_and_the_request_sent_again(server):
    client = KeptAlive(server, {}, timeout=5)
    assert client.post("/x", b'"bye"')[0] == 200  # answered, then closed by the server
    assert client.post("/x", b"1") == (200, b'{"echo": 1}')
    assert [body for _, body in Echo.seen] == [b'"bye"', b"1"]


def test_answers_are_read_after_the_callers_own_work(server):
    client = KeptAlive(server, {}, timeout=5)
    first, second = client.send("POST", "/x", b"1"), client.send("POST", "/x", b"2")  # two connections
    assert second.answer() == (200, b'{"echo": 2}') and first.answer() == (200, b'{"echo": 1}')


def test_no_server_is_an_error_and_search_says_unavailable():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(OSError):
        KeptAlive(url, {}, timeout=1).post("/x", b"1")
    with pytest.raises(SearchUnavailable):
        SearchIndex(SearchTarget(url, "key", "certificates"), timeout=1).search("galaxy", {})
