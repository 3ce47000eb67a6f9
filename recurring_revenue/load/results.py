"""What a load did (LoadResult) and what an interrupted load left (LoadInterrupted)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from recurring_revenue import settings
from recurring_revenue.load.common import (
    DELTA,
    SNAPSHOT,
)
from recurring_revenue.load.load_log import (
    TableLoad,
    loaded_batch,
)


class LoadInterrupted(Exception):
    """Ctrl-C during a load; the message says whether the new batch was committed.

    The commit is atomic: raw holds either the whole new batch or the whole earlier
    one, and which one is read back from raw._load_log after the interruption.
    """

    def __init__(self, database: Path, batch_id: str | None) -> None:
        current = loaded_batch(database)
        self.committed = batch_id is not None and current == batch_id
        if self.committed:
            message = (
                f"the load was interrupted after its commit: raw in {database} holds the new "
                f"batch {batch_id} completely. Nothing to redo; build it with `rrw build`."
            )
        else:
            held = f"still holds batch {current}" if current else "holds no batch yet"
            message = (
                f"the load was interrupted before its commit: nothing changed, raw in "
                f"{database} {held}. Run the same `rrw load` again."
            )
        super().__init__(message)


@dataclass(frozen=True)
class Shrink:
    """A raw table this load left with far fewer rows than the warehouse compared with had."""

    table: str
    before: int
    after: int

    def describe(self) -> str:
        if self.after == 0:
            return f"{self.table} {self.before:,} -> 0 rows (empty)"
        # rounded down, so that 1,154 -> 2 does not read as 100% (that is empty)
        fewer = (self.before - self.after) * 100 // self.before
        return f"{self.table} {self.before:,} -> {self.after:,} rows ({fewer}% fewer)"


@dataclass(frozen=True)
class LoadResult:
    """What `load_folder` did: the batch, the rows per table, whether it was a no-op."""

    folder: Path
    database: Path
    batch_id: str
    tables: tuple[TableLoad, ...]
    #: True when raw already held this batch and the load changed nothing.
    skipped: bool
    seconds: float
    #: The batch raw held before this load (None on a first load).
    previous_batch_id: str | None = None
    notices: tuple[str, ...] = ()
    #: Raw tables that lost more than the allowed share of their rows, or all of them,
    #: compared with `baseline` (empty when nothing was compared).
    shrinks: tuple[Shrink, ...] = ()
    #: The warehouse whose raw row counts this load was compared with, and its batch.
    baseline: Path | None = None
    baseline_batch_id: str | None = None
    max_shrink: float = settings.DEFAULT_MAX_SHRINK
    #: `snapshot` (replaced every raw table) or `delta` (appended a batch).
    kind: str = SNAPSHOT

    @property
    def rows(self) -> dict[str, int]:
        return {loaded.table: loaded.rows for loaded in self.tables}

    @property
    def total_rows(self) -> int:
        return sum(loaded.rows for loaded in self.tables)

    def summary(self) -> str:
        if self.skipped:
            lines = [
                f"Nothing to do: raw in {self.database} already holds batch {self.batch_id}, "
                f"loaded from the same files ({len(self.tables)} tables, "
                f"{self.total_rows:,} rows)."
            ]
        elif self.kind == DELTA:
            lines = [
                f"Appended delta batch {self.batch_id} from {self.folder} to {self.database} "
                f"in {self.seconds:.1f} s, after batch {self.previous_batch_id}: "
                f"{self.total_rows:,} new or changed rows."
            ]
            for loaded in self.tables:
                lines.append(f"  {loaded.table:<20} {loaded.rows:>12,}  {loaded.source_file}")
        else:
            replaces = (
                f", replacing batch {self.previous_batch_id}" if self.previous_batch_id else ""
            )
            lines = [
                f"Loaded batch {self.batch_id} from {self.folder} into {self.database} "
                f"in {self.seconds:.1f} s{replaces}: {self.total_rows:,} rows."
            ]
            for loaded in self.tables:
                source = loaded.source_file or "(absent: created empty)"
                lines.append(f"  {loaded.table:<20} {loaded.rows:>12,}  {source}")
            extras = [
                f"{loaded.table} ({', '.join(loaded.extra_columns)})"
                for loaded in self.tables
                if loaded.extra_columns
            ]
            if extras:
                lines.append("Extra columns kept: " + "; ".join(extras) + ".")
        lines.extend(f"Notice: {notice}" for notice in self.notices)
        if self.shrinks:
            lines.append(f"Warning: {self.shrink_warning()}")
        return "\n".join(lines)

    def shrink_warning(self) -> str:
        """What the shrink verdict says: the tables, their row counts, what to do."""
        if not self.shrinks:
            return ""
        where = f"batch {self.baseline_batch_id} in {self.baseline}"
        tables = "; ".join(shrink.describe() for shrink in self.shrinks)
        return (
            f"this load shrinks raw tables by more than {self.max_shrink:.0%} "
            f"(RRW_MAX_SHRINK) compared with {where}: {tables}. A load replaces the whole "
            "history with the folder's files, so a partial export loses rows: if the export "
            "is incomplete, load the complete one"
        )
