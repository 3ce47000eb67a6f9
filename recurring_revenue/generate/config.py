"""Generation settings and deterministic seeding.

Every random stream is a `random.Random` seeded from the user's seed and a
label (a chunk index, a table name), so the output depends only on the
arguments, never on the order work is scheduled in or on the number of workers.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date

# Customers per chunk. Part of the output's definition: each chunk has its own
# random stream, so changing it changes the data (not the shape of it).
CHUNK_SIZE = 1000

FILE_FORMATS = ("csv", "parquet")


@dataclass(frozen=True, slots=True)
class GeneratorConfig:
    """What a generation run depends on (all of it; nothing else is read)."""

    customers: int
    seed: int
    start_date: date
    end_date: date
    bad_row_share: float
    one_bad_row_each: bool
    file_format: str

    def __post_init__(self) -> None:
        if self.customers < 1:
            raise ValueError("customers must be at least 1")
        if self.customers >= 10_000_000:
            raise ValueError("customers must be below 10,000,000 (7-digit customer ids)")
        if self.end_date <= self.start_date:
            raise ValueError("end_date must be after start_date")
        if not 0.0 <= self.bad_row_share <= 0.2:
            raise ValueError("bad_row_share must be between 0 and 0.2")
        if self.file_format not in FILE_FORMATS:
            raise ValueError(f"file_format must be one of {', '.join(FILE_FORMATS)}")

    @property
    def chunk_count(self) -> int:
        return (self.customers + CHUNK_SIZE - 1) // CHUNK_SIZE

    def chunk_range(self, chunk: int) -> range:
        """Customer indexes (0-based) of one chunk."""
        first = chunk * CHUNK_SIZE
        return range(first, min(first + CHUNK_SIZE, self.customers))

    @property
    def injects_bad_rows(self) -> bool:
        return self.one_bad_row_each or self.bad_row_share > 0


def derive_seed(seed: int, *labels: object) -> int:
    """A 64-bit seed for the stream named by `labels` (stable across runs and Pythons)."""
    text = "\x1f".join([str(seed), *(str(label) for label in labels)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def stream(seed: int, *labels: object) -> random.Random:
    """The random stream named by `labels`."""
    return random.Random(derive_seed(seed, *labels))
