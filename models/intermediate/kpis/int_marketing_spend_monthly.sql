{#
    Marketing spend per month and acquisition channel in the reporting
    currency. Each spend row converts at the latest rate on or before its
    spend date (spend is a flow paid on that day; staging rejects a row with no
    such rate), the reporting currency at 1. The month's sum per channel is
    rounded half-up to cents once. Spend dated after the as-of date, or in a
    month outside the month spine, is not reported.
#}
{%- set reporting_currency = setting('reporting_currency') -%}

with marketing_spend as (

    select
        channel,
        currency,
        amount,
        spend_date
    from {{ ref('stg_billing__marketing_spend') }}

),

fx_rates as (

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

spend_in_months as (

    select
        marketing_spend.channel,
        marketing_spend.currency,
        marketing_spend.amount,
        marketing_spend.spend_date,
        months.date_month
    from marketing_spend
    inner join months
        on
            cast({{ dbt.date_trunc('month', 'marketing_spend.spend_date') }} as date) = months.date_month
            and marketing_spend.spend_date <= months.snapshot_date

),

latest_rate_dates as (

    select
        spend_in_months.channel,
        spend_in_months.currency,
        spend_in_months.spend_date,
        max(fx_rates.rate_date) as rate_date
    from spend_in_months
    inner join fx_rates
        on
            spend_in_months.currency = fx_rates.currency
            and spend_in_months.spend_date >= fx_rates.rate_date
    group by
        spend_in_months.channel,
        spend_in_months.currency,
        spend_in_months.spend_date

),

{# A foreign-currency row without a rate stops the build and says which. #}
converted as (

    select
        spend_in_months.channel,
        spend_in_months.date_month,
        case
            when spend_in_months.currency = '{{ reporting_currency }}'
                then cast(spend_in_months.amount as decimal(38, 12))
            when fx_rates.rate_to_reporting is null
                then {{ raise_sql_error(
                    "'No FX rate for ' || spend_in_months.currency || ' on or before the marketing spend of '"
                    ~ " || cast(spend_in_months.spend_date as varchar)"
                    ~ " || ': add rates for this currency to fx_rates (docs/raw-contract.md).'"
                ) }}
            else cast(spend_in_months.amount as decimal(38, 4)) * fx_rates.rate_to_reporting
        end as spend_unrounded
    from spend_in_months
    left join latest_rate_dates
        on
            spend_in_months.channel = latest_rate_dates.channel
            and spend_in_months.currency = latest_rate_dates.currency
            and spend_in_months.spend_date = latest_rate_dates.spend_date
    left join fx_rates
        on
            latest_rate_dates.currency = fx_rates.currency
            and latest_rate_dates.rate_date = fx_rates.rate_date

),

final as (

    select
        date_month,
        channel as acquisition_channel,
        cast(round(sum(spend_unrounded), 2) as {{ type_money() }}) as marketing_spend
    from converted
    group by
        date_month,
        channel

)

select * from final
