"""One owner per check: which rules dbt's tests check and which great-expectations checks.

dbt owns the row and identity rules of the models it builds: the MRR bridge, the
month chain, ARR = 12 x MRR, the churn split, a customer's movements adding up, and
the shape of each public mart (its columns, key, value ranges and month dates).
They are dbt tests or constraints beside the model, run by every `dbt build`, and a
failure stops the build before anything is published. great-expectations owns what
dbt does not do well: the audit of the raw layer before dbt runs, the
month-over-month drift of total MRR, the personal-data scan and the column-type
scan.

Each dbt test of a check names it in `config: meta: {check: NAME}` (the generic
tests `mart_value_ranges` and `mart_month_dates` set it themselves); a check dbt
makes with a model feature rather than a test (`made_by`) is required of every
public mart by recurring_revenue.tools.check_models. Each great-expectations
expectation of the mart suites names its check in `meta`. The test
`tests/python/test_check_ownership.py` fails when a name is not registered here,
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
    #: For a dbt check made by a model feature instead of a test that names it: which.
    made_by: str | None = None


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
    Check(
        "mart_contract_columns",
        DBT,
        "a public mart has exactly its contract's columns and types",
        made_by="the enforced model contract (check_models requires it of every public mart)",
    ),
    Check(
        "mart_key",
        DBT,
        "a public mart's key is set and unique",
        made_by="a primary_key constraint, or a unique test with not_null key columns "
        "(check_models requires one of them of every public mart)",
    ),
    Check("mart_value_ranges", DBT, "rates, money and counts lie in their ranges by column name"),
    Check("mart_month_dates", DBT, "month columns hold first days, monthly series have no gaps"),
    # great-expectations: what dbt does not do well.
    Check("mrr_month_over_month_drift", GX, "total MRR moves at most a bound month to month"),
    Check("mrr_series_not_empty", GX, "the published MRR series has rows"),
    Check("personal_data_scan", GX, "no text column of a mart holds personal data"),
    Check("personal_data_hashed", GX, "the personal-data hashes are SHA-256 hex"),
    Check("column_type_scan", GX, "no binary float column in any mart"),
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
