{#
    Receivables per month in the reporting currency, unrounded (docs/conventions.md,
    "Cash"): the unpaid balance of the invoices still open at the month end, and
    of the ones written off in the month, valued at that month's snapshot rate
    like a balance sheet. `fct_cash_monthly` rounds each figure half-up to cents
    once per month.
#}

with invoice_settlements as (

    select
        invoice_id,
        currency,
        total_local,
        issued_at,
        is_written_off,
        settled_at
    from {{ ref('int_invoice_settlements') }}

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

final as (

    select
        date_month,
        sum(case when is_open_at_month_end then balance_reporting else 0 end) as open_receivables,
        sum(case when is_written_off_by_month_end then balance_reporting else 0 end) as written_off
    from invoice_month_balances
    group by date_month

)

select * from final
