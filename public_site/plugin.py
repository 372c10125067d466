"""The app's services, wired in one place: what handlers receive as dependencies, what starts
and stops with the app, and how a refusal of the registry becomes an answer.

Handlers ask for ``settings``, ``engine``, ``index`` or ``db`` (a session for the request,
closed after it) by name. The scan page and the verify API read ``app.state`` directly
instead: they are the hot path, and a dependency costs more there than their query.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from http import HTTPStatus

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException
from litestar.plugins import InitPluginProtocol
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException, ProblemDetailsPlugin
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

from public_site.partner_keys import PartnerKeys, partner_keeper
from public_site.qr import prepare as prepare_qr
from public_site.rendering import PageCache
from public_site.webhook_sender import webhook_sender
from public_site.worker import (
    IndexWorker,
    flag_keeper,
    metrics_writer,
    open_data_refresher,
    photo_sweeper,
    risk_warmer,
    scan_flusher,
)
from registry.errors import Refused
from registry.loop_reader import DatabaseUnavailable, LoopReader
from registry.migrate import prepare
from registry.opendata_files import OpenDataFiles
from registry.receipts import ReceiptKeys
from registry.scans import ScanCounter
from registry.settings import Settings
from search.client import SearchIndex

RETRY_LATER = {"Retry-After": "5"}  # seconds; a database that timed out is usually back by then
SCAN_PAGES = 4096  # about 30 MB: the devices people are scanning today
log = logging.getLogger("hopquy.database")
# what a handler names to receive the app's services
Db = NamedDependency[Session]
DbEngine = NamedDependency[Engine]
BatchEngine = NamedDependency[Engine]  # the same database, with the timeouts of long work
Index = NamedDependency[SearchIndex | None]
AppSettings = NamedDependency[Settings]
Scans = NamedDependency[ScanCounter]
OpenData = NamedDependency[OpenDataFiles]


class Services(InitPluginProtocol):
    """Settings, database, search index and background threads of one app."""

    def __init__(self, settings: Settings, engine: Engine, index: SearchIndex | None, run_worker: bool = True,
                 migrate: bool = True, batch_engine: Engine | None = None, freeze: bool = False) -> None:
        """``engine`` serves requests; ``batch_engine`` (longer timeouts) serves feed uploads
        and the background threads. ``freeze``: a served process's start (not a test's, which
        builds many apps in one process: what it froze would never be collected)."""
        self.settings, self.engine, self.index, self.migrate = settings, engine, index, migrate
        self.freeze = freeze
        self.batch_engine = batch = batch_engine or engine
        self.scans = ScanCounter(settings.secret_key.encode())
        self.reader = LoopReader(engine)
        self.open_data = OpenDataFiles(batch, settings.data_dir / "open-data")
        self.receipt_keys = ReceiptKeys(settings.receipt_key_dir)
        self.partner_keys = PartnerKeys()  # the rate limit's view of partner keys (public_site.partner_keys)
        self.threads = [thread for thread in (
            IndexWorker(batch, index) if index is not None and run_worker else None,
            scan_flusher(batch, self.scans) if run_worker else None,
            open_data_refresher(self.open_data) if run_worker else None,
            photo_sweeper(batch, settings.photo_dir) if run_worker else None,
            flag_keeper(batch) if run_worker else None,
            risk_warmer(batch) if run_worker else None,
            webhook_sender(batch, settings) if run_worker else None,
            partner_keeper(batch, self.partner_keys),
            metrics_writer(),
        ) if thread is not None]

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.dependencies.update({
            "settings": Provide(lambda: self.settings, use_cache=True, sync_to_thread=False),
            "engine": Provide(lambda: self.engine, use_cache=True, sync_to_thread=False),
            "batch_engine": Provide(lambda: self.batch_engine, use_cache=True, sync_to_thread=False),
            "index": Provide(lambda: self.index, use_cache=True, sync_to_thread=False),
            "db": Provide(self.session),
            "scans": Provide(lambda: self.scans, use_cache=True, sync_to_thread=False),
            "open_data": Provide(lambda: self.open_data, use_cache=True, sync_to_thread=False),
        })
        app_config.on_startup.append(self.startup)
        app_config.on_shutdown.append(self.shutdown)
        app_config.state.update(stamp_secret=self.settings.secret_key.encode())  # signs the province form
        app_config.state.update(settings=self.settings, engine=self.engine, index=self.index, reader=self.reader,
                                scans=self.scans, scan_pages=PageCache(SCAN_PAGES), receipt_keys=self.receipt_keys)
        return app_config

    def session(self) -> Iterator[Session]:
        """One session for the request; it connects on first use and closes after the answer."""
        with Session(self.engine) as session:
            yield session

    def startup(self, app: Litestar) -> None:
        if self.migrate:  # HOPQUY_MIGRATE=check: a worker refuses to start on a schema behind
            prepare(self.engine, self.settings.migrate)
        prepare_qr()
        self.receipt_keys.ensure()
        if self.freeze:
            # what the process holds from here on (modules, routes, the engines) is left out of
            # the garbage collector's full passes: one of those walked 300,000 objects and held
            # the event loop for 195 ms, every few seconds under load (docs/benchmarks.md); with
            # them frozen it takes about 20 ms. Objects are still freed when no longer referred to.
            gc.collect()
            gc.freeze()
        for thread in self.threads:
            thread.start()

    def shutdown(self, app: Litestar) -> None:
        for thread in self.threads:
            thread.stop()
        self.reader.close()
        if self.batch_engine is not self.engine:
            self.batch_engine.dispose()


def problem_details() -> ProblemDetailsPlugin:
    """Every error as problem+json (RFC 9457): ``title`` the status in words, ``detail`` why."""

    def from_http(exc: HTTPException) -> ProblemDetailsException:
        title = HTTPStatus(exc.status_code).phrase
        detail = exc.detail if exc.detail != title else None
        return ProblemDetailsException(status_code=exc.status_code, title=title, detail=detail, extra=exc.extra,
                                       headers=exc.headers)

    def from_refusal(exc: Refused) -> ProblemDetailsException:
        return ProblemDetailsException(status_code=exc.status, title=HTTPStatus(exc.status).phrase, detail=str(exc))

    def from_unstorable(exc: DataError) -> ProblemDetailsException:
        # the last guard: a value the database itself refuses (a NUL byte in a form, a number
        # past its range) is the request's fault; parameters and bodies are checked before
        return ProblemDetailsException(status_code=400, title="Bad Request",
                                       detail="a value the registry cannot store (a NUL byte, a number too large)")

    def from_unavailable(exc: Exception) -> ProblemDetailsException:
        # a statement or lock wait past its timeout, a refused connection, an exhausted pool:
        # the database's state, not a bug of ours, and usually over in seconds
        log.warning("the database did not answer: %s", str(exc).splitlines()[0][:300])
        return ProblemDetailsException(status_code=503, title="Service Unavailable", headers=RETRY_LATER,
                                       detail="the registry database did not answer in time; try again shortly")

    return ProblemDetailsPlugin(ProblemDetailsConfig(
        enable_for_all_http_exceptions=True,
        exception_to_problem_detail_map={
            HTTPException: from_http, Refused: from_refusal, DataError: from_unstorable,
            DatabaseUnavailable: from_unavailable, OperationalError: from_unavailable, PoolTimeout: from_unavailable},
    ))
