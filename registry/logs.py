"""One logging configuration for the server and the command line.

Levels are set here, never as a side effect of importing a module: our own loggers at
INFO, the chatty libraries (HTTP clients, font subsetting) at WARNING. Lines go to stderr.
"""

from __future__ import annotations

import logging.config
from typing import Any

QUIET_LIBRARIES = ("httpx", "httpcore", "fontTools", "urllib3")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """The ``dictConfig`` of the whole process (uvicorn's own loggers keep their handlers)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
        "loggers": {
            "": {"handlers": ["stderr"], "level": "WARNING"},
            **{name: {"level": level} for name in ("hopquy", "registry", "search", "importer", "ingest",
                                                   "public_site", "cli")},
            **{name: {"level": "WARNING"} for name in QUIET_LIBRARIES},
        },
    }


def configure_logging(level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(level))
