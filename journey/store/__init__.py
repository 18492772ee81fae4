"""The event store: the aggregates (`Child`, `Household`; `Account` and the view
log's `Viewing`), their events, and the `JourneyTracker` application that records
them and loads them back.

Only the service (`journey.service`) and the projections' reader use it; the
interfaces never do.
"""
