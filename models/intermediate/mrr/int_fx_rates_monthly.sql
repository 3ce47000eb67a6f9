{#
    The FX rate each month converts at: for every currency and month, the latest
    rate on or before the month's snapshot date (metric conventions, MRR rule 8),
    with the previous month's rate beside it for the FX-impact split. The
    reporting currency converts at 1.
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

months as (

    select
        date_month,
        snapshot_date
    from {{ ref('util_months') }}

),

currencies as (

    select distinct currency from fx_rates

),

latest_rate_dates as (

    select
        fx_rates.currency,
        months.date_month,
        max(fx_rates.rate_date) as rate_date
    from months
    inner join fx_rates
        on months.snapshot_date >= fx_rates.rate_date
    group by
        fx_rates.currency,
        months.date_month

),

foreign_rates as (

    select
        currencies.currency,
        months.date_month,
        fx_rates.rate_to_reporting,
        latest_rate_dates.rate_date
    from currencies
    cross join months
    left join latest_rate_dates
        on
            currencies.currency = latest_rate_dates.currency
            and months.date_month = latest_rate_dates.date_month
    left join fx_rates
        on
            latest_rate_dates.currency = fx_rates.currency
            and latest_rate_dates.rate_date = fx_rates.rate_date

),

reporting_rates as (

    select
        '{{ reporting_currency }}' as currency,
        date_month,
        cast(1 as {{ type_rate() }}) as rate_to_reporting,
        snapshot_date as rate_date
    from months

),

all_rates as (

    select * from foreign_rates
    union all
    select * from reporting_rates

),

final as (

    select
        currency,
        cast(rate_to_reporting as {{ type_rate() }}) as rate_to_reporting,
        cast(
            lag(rate_to_reporting) over (partition by currency order by date_month)
            as {{ type_rate() }}
        ) as previous_rate_to_reporting,
        date_month,
        rate_date
    from all_rates

)

select * from final
