{#
    Marketing spend per month and acquisition channel in the reporting
    currency. Each spend row converts at the rate of its spend date (the
    latest on or before it, int_fx_rates_daily: spend is a flow paid on that
    day; staging rejects a row with no such rate), the reporting currency at 1.
    The month's sum per channel is rounded half-up to cents once. Spend dated after the as-of date, or in a
    month outside the month spine, is not reported.
#}
with marketing_spend as (

    select
        channel,
        currency,
        amount,
        spend_date
    from {{ ref('stg_billing__marketing_spend') }}

),

fx_rates_daily as (

    select
        currency,
        rate_to_reporting,
        rate_day
    from {{ ref('int_fx_rates_daily') }}

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

{# A row without a rate for its day stops the build and says which. #}
converted as (

    select
        spend_in_months.channel,
        spend_in_months.date_month,
        {{ to_reporting_currency(
            'spend_in_months.amount',
            'fx_rates_daily.rate_to_reporting',
            'spend_in_months.currency',
            "'the marketing spend of ' || cast(spend_in_months.spend_date as " ~ dbt.type_string() ~ ")",
        ) }} as spend_unrounded
    from spend_in_months
    left join fx_rates_daily
        on
            spend_in_months.currency = fx_rates_daily.currency
            and spend_in_months.spend_date = fx_rates_daily.rate_day

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
