"""What the stack's own work costs: the billable operations it counts, and their price."""

from .usage import SqlUsage

__all__ = ["SqlUsage"]
