"""Quality gates: great-expectations suites for the raw, staging and mart layers.

The suites are code (recurring_revenue.quality.suites), evaluated in an ephemeral
great-expectations context on DataFrames read through short-lived read-only DuckDB
connections. Nothing is generated on disk but the HTML report. See
docs/quality-and-publishing.md.
"""

from recurring_revenue.quality.model import LAYERS, CheckReport, CheckSettings

__all__ = ["LAYERS", "CheckReport", "CheckSettings"]
