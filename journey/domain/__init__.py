"""The domain: what an adoption journey is, with no storage, no clock but `clock`, no interface.

Milestones and their values, the rules of order, stages, gaps, councils, the
national measures, the timescales and their clocks, and the calendar arithmetic
they share. Each rule is written here once; the store, the projections, the
alerts and the tests call it.
"""
