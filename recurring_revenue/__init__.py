"""Recurring Revenue Warehouse: generator, loader, quality checks and CLI."""

__version__ = "0.1.0"
