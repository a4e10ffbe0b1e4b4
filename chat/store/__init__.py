"""Conversations on disk: SQLite with named migrations, one writer thread, full-text search."""

from .errors import StoreError, StoreProblem
from .rows import Summary
from .store import Store

__all__ = ["Store", "StoreError", "StoreProblem", "Summary"]
