"""One typed settings object, read once from the ``HOPQUY_*`` environment.

Tests change the environment and call ``get_settings.cache_clear()`` before building an app.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    meili_url: str | None
    meili_key: str | None
    meili_index: str
    public_url: str
    rate_limit_per_minute: int = 600  # per client address; 0 turns the limit off
    secret_key_value: str | None = None  # HOPQUY_SECRET_KEY; else generated in the data dir
    migrate: str = "check"  # HOPQUY_MIGRATE: check (refuse a schema behind) or auto (migrate at start)
    metrics_allow: tuple[str, ...] = ()  # HOPQUY_METRICS_ALLOW: networks besides loopback that may read /metrics
    access_log: bool = True  # HOPQUY_ACCESS_LOG=0: no line per request (``hopquy serve --no-access-log``)
    issuing_unit: str = "Cục Viễn thông"  # HOPQUY_ISSUING_UNIT: who signs the enforcement report
    partner_per_minute: int = 6000  # HOPQUY_PARTNER_RATE_LIMIT: requests a minute per partner key
    webhooks_allow_http: bool = False  # HOPQUY_WEBHOOKS_ALLOW_HTTP=1: plain http receivers (tests, a LAN)

    @property
    def secret_key(self) -> str:
        """Signs CSRF tokens and keys the hashes that stand in for client addresses."""
        return self.secret_key_value or generated_secret(self.data_dir / "secret-key")

    @property
    def receipt_key_dir(self) -> Path:
        return self.data_dir / "receipt-keys"

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def manages_meilisearch(self) -> bool:
        """True when we start our own Meilisearch child process (no external URL given)."""
        return self.meili_url is None

    @property
    def meili_data_dir(self) -> Path:
        return self.data_dir / "meilisearch"

    @property
    def meili_key_file(self) -> Path:
        return self.data_dir / "meili-master-key"


def generated_secret(path: Path) -> str:
    """A random secret kept in ``path`` (created on first use, mode 600).

    Written to a temporary file and linked into place, so that another process starting at
    the same moment finds either no file or the whole secret, never an empty one; an empty
    or unreadable file is refused rather than used as a key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(32))
            os.link(temporary, path)  # fails if another process linked its own first: use that one
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    secret = path.read_text().strip()
    if len(secret) < 16:
        raise RuntimeError(f"{path} holds no usable secret: remove it to have a new one made")
    return secret


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


@cache
def get_settings() -> Settings:
    data_dir = Path(_env("HOPQUY_DATA_DIR") or "var").resolve()
    database_url = _env("HOPQUY_DATABASE_URL") or f"sqlite:///{data_dir / 'hopquy.sqlite3'}"
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        meili_url=_env("HOPQUY_MEILI_URL"),
        meili_key=_env("HOPQUY_MEILI_KEY"),
        meili_index=_env("HOPQUY_MEILI_INDEX") or "certificates",
        public_url=(_env("HOPQUY_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
        rate_limit_per_minute=int(_env("HOPQUY_RATE_LIMIT") or 600),
        secret_key_value=_env("HOPQUY_SECRET_KEY"),
        migrate="auto" if (_env("HOPQUY_MIGRATE") or "check").lower() == "auto" else "check",
        metrics_allow=tuple(part.strip() for part in (_env("HOPQUY_METRICS_ALLOW") or "").split(",") if part.strip()),
        access_log=(_env("HOPQUY_ACCESS_LOG") or "1") not in ("0", "false", "no", "off"),
        issuing_unit=_env("HOPQUY_ISSUING_UNIT") or "Cục Viễn thông",
        partner_per_minute=int(_env("HOPQUY_PARTNER_RATE_LIMIT") or 6000),
        webhooks_allow_http=(_env("HOPQUY_WEBHOOKS_ALLOW_HTTP") or "0") in ("1", "true", "yes", "on"),
    )
