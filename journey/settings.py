"""Configuration: our `JOURNEY_*` variables, translated into the library's in one place.

| variable | meaning | default |
|---|---|---|
| `JOURNEY_DATA_DIR` | data directory (SQLite event store, read models, agency file) | `./var` |
| `JOURNEY_DATABASE_URL` | `postgresql://user:pass@host:port/db[?schema=s]`: events on PostgreSQL | unset: SQLite |
| `JOURNEY_CIPHER_KEY` | AES key (`journey keygen`): events encrypted at rest | unset |
| `JOURNEY_TODAY` | fix today's date (rehearsals, tests) | the real date |

A command-line option (`--data-dir`) beats the variable.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from journey.domain.errors import ConfigurationError

EVENTS_FILE = "events.sqlite3"
READ_MODELS_FILE = "read-models.sqlite3"


@dataclasses.dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str | None = None
    cipher_key: str | None = None
    # The variable the key came from, named when the key is refused.
    key_variable: str = "JOURNEY_CIPHER_KEY"

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None, environ=None) -> Settings:
        environ = os.environ if environ is None else environ
        return cls(
            data_dir=Path(data_dir or environ.get("JOURNEY_DATA_DIR") or "var"),
            database_url=environ.get("JOURNEY_DATABASE_URL") or None,
            cipher_key=environ.get("JOURNEY_CIPHER_KEY") or None,
        )

    @property
    def events_path(self) -> Path:
        return self.data_dir / EVENTS_FILE

    @property
    def read_models_path(self) -> Path:
        return self.data_dir / READ_MODELS_FILE

    def describe_store(self) -> str:
        if self.database_url:
            url = urlparse(self.database_url)
            return f"PostgreSQL {url.hostname}:{url.port or 5432}/{url.path.lstrip('/')}"
        return f"SQLite {self.events_path}"

    def library_env(self) -> dict[str, str]:
        """The eventsourcing library's environment for these settings."""
        env: dict[str, str] = {}
        if self.database_url:
            env.update(postgres_env(self.database_url))
        else:
            env.update(
                PERSISTENCE_MODULE="eventsourcing.sqlite",
                SQLITE_DBNAME=str(self.events_path),
                # Several trackers may write at once: wait for the lock, don't fail.
                SQLITE_LOCK_TIMEOUT="30",
            )
        if self.cipher_key:
            env.update(CIPHER_TOPIC="eventsourcing.cipher:AESCipher", CIPHER_KEY=self.cipher_key)
        return env


def postgres_env(database_url: str) -> dict[str, str]:
    url = urlparse(database_url)
    if url.scheme not in ("postgresql", "postgres"):
        raise ConfigurationError(
            f"JOURNEY_DATABASE_URL must start postgresql:// (got {url.scheme or 'nothing'}://)"
        )
    if not url.path.strip("/") or not url.hostname:
        raise ConfigurationError("JOURNEY_DATABASE_URL needs a host and a database name")
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.path.lstrip("/"),
        "POSTGRES_HOST": url.hostname,
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or ""),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
    }
    schema = parse_qs(url.query).get("schema")
    if schema:
        env["POSTGRES_SCHEMA"] = schema[0]
    return env
