{#
    Cash per month in the reporting currency (docs/conventions.md, "Cash"); never
    an input to MRR. Flows (billings, collections, refunds, failed charges) are
    converted at the rate of their own day (the latest rate on or before it);
    the receivables still open at a month end (and the ones written off in the
    month) are valued at that month's snapshot rate, like a balance sheet.
    Each figure is summed unrounded and rounded half-up to cents once per month.
#}

with invoices as (

    select
        invoice_id,
        currency,
        status,
        issued_at
    from {{ ref('stg_billing__invoices') }}

),

invoice_line_items as (

    select
        invoice_id,
        amount,
        discount_amount,
        tax_amount
    from {{ ref('stg_billing__invoice_line_items') }}

),

payments as (

    select
        invoice_id,
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

month_end_rates as (

    select
        currency,
        rate_to_reporting,
        date_month
    from {{ ref('int_fx_rates_monthly') }}

),

months as (

    select
        date_month,
        is_as_of_month,
        snapshot_at
    from {{ ref('util_months') }}

),

as_of as (

    select
        date_month as as_of_month,
        snapshot_at as cutoff_at
    from months
    where is_as_of_month

),

{# Billed: every invoice but drafts and voided ones; total = lines net of discount, plus tax. #}
billed_invoices as (

    select
        invoices.invoice_id,
        invoices.currency,
        invoices.status,
        invoices.issued_at,
        coalesce(
            sum(
                invoice_line_items.amount
                - coalesce(invoice_line_items.discount_amount, 0)
                + coalesce(invoice_line_items.tax_amount, 0)
            ),
            0
        ) as total_local
    from invoices
    left join invoice_line_items
        on invoices.invoice_id = invoice_line_items.invoice_id
    where invoices.status not in ('draft', 'void')
    group by
        invoices.invoice_id,
        invoices.currency,
        invoices.status,
        invoices.issued_at

),

{# Cash movements with their own date; pending payments are neither collected nor failed. #}
cash_flows as (

    select
        'billing' as flow_type,
        currency,
        total_local as amount_local,
        issued_at as flow_at
    from billed_invoices

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

flows_monthly as (

    select
        date_month,
        sum(case when flow_type = 'billing' then amount_reporting else 0 end) as billings,
        sum(case when flow_type = 'collection' then amount_reporting else 0 end) as collected,
        sum(case when flow_type = 'refund' then amount_reporting else 0 end) as refunded,
        sum(case when flow_type = 'failed_charge' then amount_reporting else 0 end) as failed_payment_amount,
        sum(case when flow_type = 'failed_charge' then flows else 0 end) as failed_payment_attempts
    from flows_converted
    group by date_month

),

{# Charges per invoice: its last successful charge and its last attempt. #}
invoice_charges as (

    select
        invoice_id,
        max(case when payment_type = 'charge' and status = 'succeeded' then occurred_at end) as last_success_at,
        max(case when payment_type = 'charge' then occurred_at end) as last_attempt_at
    from payments
    group by invoice_id

),

{# When an invoice stops being receivable: a paid one at its last successful
    charge; an uncollectible one is written off at its last charge attempt (the end
    of dunning), or at issue without any. Open ones stay receivable. Invoices
    issued after the as-of date are not yet receivable. #}
invoice_settlements as (

    select
        billed_invoices.invoice_id,
        billed_invoices.currency,
        billed_invoices.total_local,
        billed_invoices.issued_at,
        billed_invoices.status = 'uncollectible' as is_written_off,
        case billed_invoices.status
            when 'paid' then coalesce(invoice_charges.last_success_at, billed_invoices.issued_at)
            when 'uncollectible' then coalesce(invoice_charges.last_attempt_at, billed_invoices.issued_at)
        end as settled_at
    from billed_invoices
    cross join as_of
    left join invoice_charges
        on billed_invoices.invoice_id = invoice_charges.invoice_id
    where billed_invoices.issued_at < as_of.cutoff_at

),

{# The month ends an invoice matters at: from its issue month while it is open
    at the month end (settled at or after that month's snapshot), plus the month
    it is written off in. Most invoices are paid in the month they are issued
    and have none, so they are dropped before any month is joined. #}
invoice_month_ranges as (

    select
        invoice_settlements.invoice_id,
        invoice_settlements.currency,
        invoice_settlements.total_local,
        invoice_settlements.is_written_off,
        invoice_settlements.settled_at,
        cast({{ dbt.date_trunc('month', 'invoice_settlements.issued_at') }} as date) as first_month,
        case
            when invoice_settlements.settled_at is null or invoice_settlements.settled_at >= as_of.cutoff_at
                then as_of.as_of_month
            when invoice_settlements.is_written_off
                then cast({{ dbt.date_trunc('month', 'invoice_settlements.settled_at') }} as date)
            else cast(
                {{ dbt.dateadd('month', -1, dbt.date_trunc('month', 'invoice_settlements.settled_at')) }} as date
            )
        end as last_month
    from invoice_settlements
    cross join as_of

),

invoice_months as (

    select
        invoice_month_ranges.invoice_id,
        invoice_month_ranges.currency,
        invoice_month_ranges.total_local,
        invoice_month_ranges.is_written_off,
        invoice_month_ranges.settled_at,
        months.date_month,
        months.snapshot_at
    from invoice_month_ranges
    inner join months
        on
            invoice_month_ranges.first_month <= months.date_month
            and invoice_month_ranges.last_month >= months.date_month
    where invoice_month_ranges.first_month <= invoice_month_ranges.last_month

),

{# Collected on each invoice by each of those month ends, at that month's rates. #}
invoice_month_collections as (

    select
        invoice_months.invoice_id,
        invoice_months.date_month,
        sum(
            {{ to_reporting_currency(
                'payments.amount',
                'month_end_rates.rate_to_reporting',
                'payments.currency',
                "'the snapshot of month ' || cast(invoice_months.date_month as " ~ dbt.type_string() ~ ")",
            ) }}
        ) as collected_reporting
    from invoice_months
    inner join payments
        on
            invoice_months.invoice_id = payments.invoice_id
            and invoice_months.snapshot_at > payments.occurred_at
    left join month_end_rates
        on
            payments.currency = month_end_rates.currency
            and invoice_months.date_month = month_end_rates.date_month
    where
        payments.payment_type = 'charge'
        and payments.status = 'succeeded'
    group by
        invoice_months.invoice_id,
        invoice_months.date_month

),

{# Unpaid balance at each month end: billed minus collected, never below zero (a
    refund returns money against a credit, it does not reopen the invoice). #}
invoice_month_balances as (

    select
        invoice_months.date_month,
        invoice_months.is_written_off
        and invoice_months.settled_at < invoice_months.snapshot_at as is_written_off_by_month_end,
        invoice_months.settled_at is null
        or invoice_months.settled_at >= invoice_months.snapshot_at as is_open_at_month_end,
        greatest(
            {{ to_reporting_currency(
                'invoice_months.total_local',
                'month_end_rates.rate_to_reporting',
                'invoice_months.currency',
                "'the snapshot of month ' || cast(invoice_months.date_month as " ~ dbt.type_string() ~ ")",
            ) }}
            - coalesce(invoice_month_collections.collected_reporting, 0),
            0
        ) as balance_reporting
    from invoice_months
    left join invoice_month_collections
        on
            invoice_months.invoice_id = invoice_month_collections.invoice_id
            and invoice_months.date_month = invoice_month_collections.date_month
    left join month_end_rates
        on
            invoice_months.currency = month_end_rates.currency
            and invoice_months.date_month = month_end_rates.date_month

),

receivables_monthly as (

    select
        date_month,
        sum(case when is_open_at_month_end then balance_reporting else 0 end) as open_receivables,
        sum(case when is_written_off_by_month_end then balance_reporting else 0 end) as written_off
    from invoice_month_balances
    group by date_month

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
