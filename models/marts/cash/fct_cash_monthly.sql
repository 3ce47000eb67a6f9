{#
    Cash per month in the reporting currency (docs/conventions.md, "Cash"); never
    an input to MRR. A projection of its intermediate steps: the flows
    (int_cash_flows_monthly: billings, collections, refunds, failed charges, each
    at the rate of its own day) and the receivables (int_receivables_monthly: open
    at the month end and written off in the month, at the month's snapshot rate),
    summed unrounded there and rounded half-up to cents once per month here.
#}

with months as (

    select date_month
    from {{ ref('util_months') }}

),

flows_monthly as (

    select
        date_month,
        billings,
        collected,
        refunded,
        failed_payment_amount,
        failed_payment_attempts
    from {{ ref('int_cash_flows_monthly') }}

),

receivables_monthly as (

    select
        date_month,
        open_receivables,
        written_off
    from {{ ref('int_receivables_monthly') }}

),

final as (

    select
        months.date_month,
        cast(round(coalesce(flows_monthly.billings, 0), 2) as {{ type_money() }}) as billings,
        cast(round(coalesce(flows_monthly.collected, 0), 2) as {{ type_money() }}) as collected,
        cast(round(coalesce(flows_monthly.refunded, 0), 2) as {{ type_money() }}) as refunded,
        cast(
            round(coalesce(flows_monthly.collected, 0), 2) - round(coalesce(flows_monthly.refunded, 0), 2)
            as {{ type_money() }}
        ) as net_collected,
        cast(coalesce(flows_monthly.failed_payment_attempts, 0) as {{ dbt.type_int() }}) as failed_payment_attempts,
        cast(round(coalesce(flows_monthly.failed_payment_amount, 0), 2) as {{ type_money() }})
            as failed_payment_amount,
        cast(round(coalesce(receivables_monthly.open_receivables, 0), 2) as {{ type_money() }}) as open_receivables,
        cast(round(coalesce(receivables_monthly.written_off, 0), 2) as {{ type_money() }}) as written_off
    from months
    left join flows_monthly
        on months.date_month = flows_monthly.date_month
    left join receivables_monthly
        on months.date_month = receivables_monthly.date_month

)

select * from final
