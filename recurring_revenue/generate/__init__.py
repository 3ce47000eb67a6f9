"""Deterministic demo billing data shaped as the raw export spec (`rrw generate`).

Modules by job:

- `contract`: the tables, columns, keys and reject reasons the files follow;
- `config`: run settings, chunking and seeded random streams;
- `catalogue`: products and plans, currencies, countries, channels;
- `growth`: the sign-up curve;
- `people`: customer names and e-mail addresses;
- `lifecycle`: customers and their subscriptions' lifecycles (events);
- `billing`: invoices, lines, payments and refunds;
- `market`: fx_rates and marketing_spend;
- `badrows`: deliberately bad rows and their manifest;
- `chunk`: one chunk of customers, as run in a worker process;
- `writers`: CSV / Parquet rendering and streaming output files;
- `runner`: `generate()`, the whole run with progress reporting.

docs/demo-data.md describes the dataset and its scenarios.
"""

from recurring_revenue.generate.runner import generate

__all__ = ["generate"]
