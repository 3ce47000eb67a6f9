{#
    The FX rate each month converts at: for every currency and month, the rate
    of the month's snapshot date (the latest on or before it; NULL before a
    currency's first rate), with the previous month's rate beside it for the
    FX-impact split (docs/conventions.md, MRR 8). The reporting currency
    converts at 1.
#}
with fx_rates_daily as (

    select
        currency,
        rate_to_reporting,
        rate_day,
        rate_date
    from {{ ref('int_fx_rates_daily') }}

),

months as (

    select
        date_month,
        snapshot_date
    from {{ ref('util_months') }}

),

currencies as (

    select distinct currency
    from fx_rates_daily

),

currency_months as (

    select
        currencies.currency,
        months.date_month,
        fx_rates_daily.rate_to_reporting,
        fx_rates_daily.rate_date
    from currencies
    cross join months
    left join fx_rates_daily
        on
            currencies.currency = fx_rates_daily.currency
            and months.snapshot_date = fx_rates_daily.rate_day

),

final as (

    select
        currency,
        rate_to_reporting,
        date_month,
        rate_date,
        lag(rate_to_reporting) over (partition by currency order by date_month) as previous_rate_to_reporting
    from currency_months

)

select
    currency,
    cast(rate_to_reporting as {{ type_rate() }}) as rate_to_reporting,
    cast(previous_rate_to_reporting as {{ type_rate() }}) as previous_rate_to_reporting,
    date_month,
    rate_date
from final
