"""Importers: files read, checked whole, and handed to the store by the service."""
