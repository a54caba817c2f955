"""What the stack's own work costs: the billable operations it counts, and their price."""

from .prices import PRICES_AS_OF, Operations, PriceTable, dollars
from .usage import SqlUsage

__all__ = ["PRICES_AS_OF", "Operations", "PriceTable", "SqlUsage", "dollars"]
