{#
    Cash flows per month in the reporting currency, unrounded (docs/conventions.md,
    "Cash"): billings (billed invoice totals at their issue), collected charges,
    succeeded refunds and failed charge attempts, each converted at the rate of
    its own day (the latest rate on or before it). Pending payments are neither
    collected nor failed; flows after the as-of date are not known yet.
    `fct_cash_monthly` rounds each figure half-up to cents once per month.
#}

with invoices_billed as (

    select
        currency,
        total_local,
        issued_at
    from {{ ref('int_invoices_billed') }}

),

payments as (

    select
        payment_type,
        status,
        currency,
        amount,
        occurred_at
    from {{ ref('stg_billing__payments') }}

),

fx_rates_daily as (

    select
        currency,
        rate_to_reporting,
        rate_day
    from {{ ref('int_fx_rates_daily') }}

),

as_of as (

    select snapshot_at as cutoff_at
    from {{ ref('util_months') }}
    where is_as_of_month

),

{# Cash movements with their own date; pending payments are neither collected nor failed. #}
cash_flows as (

    select
        'billing' as flow_type,
        currency,
        total_local as amount_local,
        issued_at as flow_at
    from invoices_billed

    union all

    select
        case
            when payment_type = 'refund' then 'refund'
            when status = 'failed' then 'failed_charge'
            else 'collection'
        end as flow_type,
        currency,
        amount as amount_local,
        occurred_at as flow_at
    from payments
    where
        (payment_type = 'charge' and status in ('succeeded', 'failed'))
        or (payment_type = 'refund' and status = 'succeeded')

),

known_cash_flows as (

    select cash_flows.*
    from cash_flows
    cross join as_of
    where cash_flows.flow_at < as_of.cutoff_at

),

{# Flows summed per type, currency and day: every flow of a day converts at the
   same rate, and rate x sum is exactly the sum of rate x amount, so the
   conversion joins a few thousand rows instead of every payment. #}
daily_flows as (

    select
        flow_type,
        currency,
        cast(flow_at as date) as flow_date,
        sum(amount_local) as amount_local,
        count(*) as flows
    from known_cash_flows
    group by
        flow_type,
        currency,
        cast(flow_at as date)

),

{# Each day's flows at the rate of that day (the latest on or before it). #}
flows_converted as (

    select
        daily_flows.flow_type,
        daily_flows.flows,
        {{ to_reporting_currency(
            'daily_flows.amount_local',
            'fx_rates_daily.rate_to_reporting',
            'daily_flows.currency',
            "cast(daily_flows.flow_date as " ~ dbt.type_string() ~ ")",
        ) }} as amount_reporting,
        cast({{ dbt.date_trunc('month', 'daily_flows.flow_date') }} as date) as date_month
    from daily_flows
    left join fx_rates_daily
        on
            daily_flows.currency = fx_rates_daily.currency
            and daily_flows.flow_date = fx_rates_daily.rate_day

),

final as (

    select
        date_month,
        sum(case when flow_type = 'billing' then amount_reporting else 0 end) as billings,
        sum(case when flow_type = 'collection' then amount_reporting else 0 end) as collected,
        sum(case when flow_type = 'refund' then amount_reporting else 0 end) as refunded,
        sum(case when flow_type = 'failed_charge' then amount_reporting else 0 end) as failed_payment_amount,
        sum(case when flow_type = 'failed_charge' then flows else 0 end) as failed_payment_attempts
    from flows_converted
    group by date_month

)

select * from final
