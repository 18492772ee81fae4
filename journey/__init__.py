"""Adoption Journey Tracker: every milestone in a child's adoption journey is an event."""

__version__ = "0.1.0"
