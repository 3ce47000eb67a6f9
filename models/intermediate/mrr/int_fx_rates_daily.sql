{#
    The FX rate of every day: one row per currency per day, from the currency's
    first rate to the as-of date, holding the latest rate on or before that day
    (docs/conventions.md, MRR 8). Every conversion reads it with an equality
    join on currency and day: month-end snapshots (int_fx_rates_monthly) and flows
    at their own day (cash, marketing spend). The reporting currency converts at 1
    on every day. A day before a currency's first rate has no
    row, so a conversion there finds none and stops the build.
#}
{%- set reporting_currency = setting('reporting_currency') -%}

with fx_rates as (

    select
        currency,
        rate_to_reporting,
        rate_date
    from {{ ref('stg_billing__fx_rates') }}
    where currency <> '{{ reporting_currency }}'

),

as_of as (

    select as_of_date
    from {{ ref('util_as_of_date') }}

),

day_spine as (

    {{ dbt.date_spine(
        'day',
        "cast('" ~ setting('month_spine_start') ~ "' as date)",
        "cast('" ~ setting('month_spine_end') ~ "' as date)",
    ) }}

),

currency_ranges as (

    select
        currency,
        min(rate_date) as first_day
    from fx_rates
    group by currency

    union all

    select
        '{{ reporting_currency }}' as currency,
        cast('{{ setting('month_spine_start') }}' as date) as first_day

),

currency_days as (

    select
        currency_ranges.currency,
        cast(day_spine.date_day as date) as rate_day
    from currency_ranges
    cross join as_of
    inner join day_spine
        on
            currency_ranges.first_day <= day_spine.date_day
            and as_of.as_of_date >= day_spine.date_day

),

days_with_rates as (

    select
        currency_days.currency,
        currency_days.rate_day,
        fx_rates.rate_to_reporting,
        fx_rates.rate_date
    from currency_days
    left join fx_rates
        on
            currency_days.currency = fx_rates.currency
            and currency_days.rate_day = fx_rates.rate_date

),

final as (

    select
        currency,
        rate_day,
        case
            when currency = '{{ reporting_currency }}' then cast(1 as {{ type_rate() }})
            else {{ carry_forward('rate_to_reporting', 'currency', 'rate_day') }}
        end as rate_to_reporting,
        case
            when currency = '{{ reporting_currency }}' then rate_day
            else {{ carry_forward('rate_date', 'currency', 'rate_day') }}
        end as rate_date
    from days_with_rates

)

select
    currency,
    cast(rate_to_reporting as {{ type_rate() }}) as rate_to_reporting,
    rate_day,
    rate_date
from final
