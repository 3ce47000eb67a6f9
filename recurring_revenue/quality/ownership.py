"""One owner per check: which rules dbt's tests check and which great-expectations checks.

dbt owns the row and identity rules of the models it builds (the MRR bridge, the
month chain, ARR = 12 x MRR, the churn split, a customer's movements adding up):
they are dbt tests beside the model, run by every `dbt build`, and a failure stops
the build before anything is published. great-expectations owns what dbt does not
do well: the audit of the raw layer before dbt runs, the month-over-month drift of
total MRR, the personal-data scan, the column-type scan, and the shape of each
public mart as BI reads it (its contract columns, key, value ranges, month dates).

Each dbt test of an identity names its check in `config: meta: {check: NAME}`; each
great-expectations expectation of the mart suites names its check in `meta`. The
test `tests/python/test_check_ownership.py` fails when a name is not registered here,
when a check is made by the other owner, or when a dbt-owned check has no dbt test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Owner = Literal["dbt", "great_expectations"]

DBT: Owner = "dbt"
GX: Owner = "great_expectations"


@dataclass(frozen=True)
class Check:
    """A named rule and the one tool that checks it."""

    name: str
    owner: Owner
    what: str


CHECKS: tuple[Check, ...] = (
    # dbt: row and identity rules, next to the models (config: meta: {check: ...}).
    Check("mrr_bridge", DBT, "ending MRR = starting MRR + every movement, each month"),
    Check("mrr_month_chain", DBT, "each month starts at the previous month's ending MRR"),
    Check("arr_is_twelve_mrr", DBT, "ARR = 12 x ending MRR"),
    Check("churn_split", DBT, "churned MRR = voluntary + involuntary churned MRR"),
    Check("customer_movements_add_up", DBT, "a customer's MRR change = the sum of its movements"),
    Check("customer_mrr_movement", DBT, "mrr_movement = mrr - previous_mrr"),
    Check("customer_is_paying", DBT, "is_paying exactly when MRR > 0"),
    Check("customer_movement_type", DBT, "movement_type is one of the six movement types"),
    # great-expectations: what dbt does not do well.
    Check("mrr_month_over_month_drift", GX, "total MRR moves at most a bound month to month"),
    Check("mrr_series_not_empty", GX, "the published MRR series has rows"),
    Check("personal_data_scan", GX, "no text column of a mart holds personal data"),
    Check("personal_data_hashed", GX, "the personal-data hashes are SHA-256 hex"),
    Check("column_type_scan", GX, "no binary float column in any mart"),
    Check("mart_contract_columns", GX, "a mart has exactly its contract's columns"),
    Check("mart_key", GX, "a mart's key is set and unique as BI reads it"),
    Check("mart_value_ranges", GX, "rates, money and counts lie in their ranges by column name"),
    Check("mart_month_dates", GX, "month columns hold first days, monthly series have no gaps"),
)

BY_NAME: dict[str, Check] = {check.name: check for check in CHECKS}


def owned_by(owner: Owner) -> frozenset[str]:
    """The names of the checks `owner` makes."""
    return frozenset(check.name for check in CHECKS if check.owner == owner)


def gx_meta(name: str, **extra: object) -> dict[str, object]:
    """The `meta` of a great-expectations expectation making check `name` (registered, GX's)."""
    check = BY_NAME.get(name)
    if check is None or check.owner != GX:
        raise ValueError(f"{name!r} is not a check great-expectations owns (quality/ownership.py)")
    return {"check": name, **extra}
