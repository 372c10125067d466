"""One logging configuration for the server and the command line.

Levels are set here, never as a side effect of importing a module: our own loggers at
INFO, the chatty libraries (HTTP clients, font subsetting) at WARNING. Lines go to stderr,
readable by default, one JSON object per line with ``HOPQUY_LOG_FORMAT=json`` (for a log
shipper). Every line written while a request is served carries that request's id
(``request_id``), which the site takes from the proxy's ``X-Request-ID`` or makes up.
"""

from __future__ import annotations

import logging
import logging.config
import os
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

QUIET_LIBRARIES = ("httpx", "httpcore", "fontTools", "urllib3")
OURS = ("hopquy", "registry", "search", "importer", "ingest", "public_site", "cli", "uvicorn")
FORMAT = "%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s"  # tag: " [id]" in a request
# the id of the request being served, in this task and the worker threads it hands work to
request_id: ContextVar[str] = ContextVar("request_id", default="-")


class WithRequestId(logging.Filter):
    """Puts the current request's id on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current = request_id.get()
        record.request_tag = "" if current == "-" else f" [{current}]"
        return True


class JsonLines(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, request id,
    and the traceback as text when there is one; fields passed with ``extra`` are kept."""

    STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
        "message", "request_id", "request_tag", "color_message"}  # uvicorn's coloured copy of the message

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        line.update((key, value) for key, value in record.__dict__.items() if key not in self.STANDARD)
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def logging_config(level: str = "INFO", fmt: str | None = None) -> dict[str, Any]:
    """The ``dictConfig`` of the whole process, uvicorn's loggers included (its access line is
    replaced by ours, ``hopquy.access``, which knows the request id and the route)."""
    fmt = (fmt or os.environ.get("HOPQUY_LOG_FORMAT") or "plain").strip().lower()
    formatter = {"()": JsonLines} if fmt == "json" else {"format": FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": WithRequestId}},
        "formatters": {"line": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["request_id"],
                                "stream": "ext://sys.stderr"}},
        "loggers": {
            "": {"handlers": ["stderr"], "level": "WARNING"},
            **{name: {"level": level} for name in OURS},
            # uvicorn's own handlers go: its lines come through ours, in the same format
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            **{name: {"level": "WARNING"} for name in QUIET_LIBRARIES},
        },
    }


def configure_logging(level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(level))
