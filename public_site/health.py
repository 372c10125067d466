"""Liveness and readiness, for the load balancer and the operator.

``/healthz`` says the process answers, and asks nothing of the database: a stalled database
must not make the orchestrator restart healthy workers. ``/readyz`` says whether this worker
should get traffic: the database answers within a second with the schema this code needs;
it also reports (without failing on it) whether Meilisearch answers and how far the index
lags. Neither is rate-limited.
"""

from __future__ import annotations

import anyio
import anyio.to_thread
from litestar import Response, get
from litestar.openapi.datastructures import ResponseSpec

from public_site.plugin import DbEngine, Index
from public_site.schemas import Liveness, Readiness, typed
from registry.readiness import CHECK_MS, check_database

ALIVE = Liveness(status="ok")


@get("/healthz", operation_id="health", sync_to_thread=False, tags=["service"])
def healthz() -> Liveness:
    """The process answers (liveness); it never waits on the database."""
    return ALIVE


@get("/readyz", operation_id="ready", tags=["service"], responses={
    503: ResponseSpec(data_container=Readiness, description="not ready: the database is down, slow or behind",
                      generate_examples=False)})
async def readyz(engine: DbEngine, index: Index) -> Response[Readiness]:
    """Whether this worker should get traffic (200) or not (503), and why."""
    database = {"ok": False, "error": f"no answer within {CHECK_MS} ms"}
    with anyio.move_on_after(CHECK_MS / 1000 + 0.2):
        database = await anyio.to_thread.run_sync(check_database, engine, abandon_on_cancel=True)
    search_ok = False
    if index is not None:
        with anyio.move_on_after(1.0):
            search_ok = await anyio.to_thread.run_sync(index.healthy, abandon_on_cancel=True)
    body = typed({"ready": database["ok"], "database": database,
                  "search": {"ok": search_ok, "configured": index is not None}}, Readiness)
    return Response(body, status_code=200 if database["ok"] else 503)
