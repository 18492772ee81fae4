"""Read-model schema versions (sqlite-utils migrations).

The read models live in `<data dir>/read-models.sqlite3`, beside the event store
(always SQLite, even when the events are on PostgreSQL). Their schema is the
migration set in `migrations.read_models`; `projections.store.open_read_models`
applies whatever is pending each time it opens the file.

Changing the schema: add a new migration at the end of `read_models.py` (never
edit one that has shipped). When the new schema needs rows the old projection
did not write, the migration calls `replay_from_start(db)`: it empties the
derived tables and sets the projection's position back to 0, so the next
`catch_up` (any reading command does one) rebuilds them from the log.
"""

from migrations.read_models import MIGRATIONS, replay_from_start

__all__ = ["MIGRATIONS", "replay_from_start"]
