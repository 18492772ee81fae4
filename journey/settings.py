"""Configuration: our `JOURNEY_*` variables, translated into the library's in one place.

| variable | meaning | default |
|---|---|---|
| `JOURNEY_DATA_DIR` | data directory (SQLite event store, read models, agency file) | `./var` |
| `JOURNEY_DATABASE_URL` | `postgresql://user:pass@host:port/db[?schema=s]`: events on PostgreSQL | unset: SQLite |
| `JOURNEY_CIPHER_KEY` | AES key (`journey keygen`): events encrypted at rest | unset |
| `JOURNEY_TARGET_CIPHER_KEY` | the key of the store `journey store copy` writes | unset: the copy is plain |
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


POSTGRES_SCHEMES = ("postgresql", "postgres")


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

    @classmethod
    def copy_target(cls, target: str, *, data_dir: str | Path | None = None, environ=None) -> Settings:
        """The store `journey store copy TARGET` writes: TARGET a data folder, or a
        postgresql:// URL with `data_dir` the folder for its agency file and read
        models; its key is JOURNEY_TARGET_CIPHER_KEY (unset: a plain store)."""
        environ = os.environ if environ is None else environ
        key = environ.get("JOURNEY_TARGET_CIPHER_KEY") or None
        target = (target or "").strip()
        if not target:
            raise ConfigurationError("no target given: a data folder or a postgresql:// URL")
        if urlparse(target).scheme in POSTGRES_SCHEMES:
            if not data_dir:
                raise ConfigurationError(
                    "a PostgreSQL target needs a data folder for its agency file and read models",
                    field="target_data_dir",
                )
            postgres_env(target, what="the target")  # a malformed URL is refused before anything is written
            return cls(Path(data_dir), database_url=target, cipher_key=key, key_variable="JOURNEY_TARGET_CIPHER_KEY")
        if data_dir:
            raise ConfigurationError(
                "a target data folder holds its own agency file and read models: give it as TARGET alone",
                field="target_data_dir",
            )
        return cls(Path(target), cipher_key=key, key_variable="JOURNEY_TARGET_CIPHER_KEY")

    @property
    def events_path(self) -> Path:
        return self.data_dir / EVENTS_FILE

    @property
    def read_models_path(self) -> Path:
        return self.data_dir / READ_MODELS_FILE

    def describe_store(self) -> str:
        if self.database_url:
            url = urlparse(self.database_url)
            schema = parse_qs(url.query).get("schema")
            where = f"PostgreSQL {url.hostname}:{url.port or 5432}/{url.path.lstrip('/')}"
            return f"{where} (schema {schema[0]})" if schema else where
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


def postgres_env(database_url: str, *, what: str = "JOURNEY_DATABASE_URL") -> dict[str, str]:
    url = urlparse(database_url)
    if url.scheme not in POSTGRES_SCHEMES:
        raise ConfigurationError(
            f"{what} must start postgresql:// (got {url.scheme or 'nothing'}://)"
        )
    if not url.path.strip("/") or not url.hostname:
        raise ConfigurationError(f"{what} needs a host and a database name")
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
