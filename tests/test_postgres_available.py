"""Proves the PostgreSQL path works end to end: an eventsourcing Application
configured by the `postgres_env` fixture stores an aggregate in its own schema
and reads it back. Skips (reason printed by -ra) when no server is configured.
"""

from __future__ import annotations

import psycopg
import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

pytestmark = pytest.mark.postgres


class Probe(Aggregate):
    @event("Created")
    def __init__(self, name: str) -> None:
        self.name = name

    @event("Renamed")
    def rename(self, name: str) -> None:
        self.name = name


def test_application_round_trip_on_postgres(postgres_env: dict[str, str]) -> None:
    app = Application(env=postgres_env)
    try:
        assert type(app.recorder).__module__ == "eventsourcing.postgres"

        probe = Probe(name="referral received")
        probe.rename("home study")
        app.save(probe)

        copy = app.repository.get(probe.id)
        assert isinstance(copy, Probe)
        assert copy.id == probe.id
        assert copy.name == "home study"
        assert copy.version == 2

        notifications = app.notification_log.select(start=1, limit=10)
        assert [n.originator_id for n in notifications] == [probe.id, probe.id]
    finally:
        app.close()

    # The events really live in the per-test schema, not in "public".
    schema = postgres_env["POSTGRES_SCHEMA"]
    with psycopg.connect(postgres_env["JOURNEY_DATABASE_URL"].split("?")[0]) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = %s",
                (schema,),
            )
        ]
    assert tables, f"no tables were created in schema {schema}"
