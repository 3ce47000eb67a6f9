{#
    When each billed invoice issued by the as-of date stops being receivable
    (docs/conventions.md, "Cash"): a paid one at its last successful charge; an
    uncollectible one is written off at its last charge attempt (the end of
    dunning), or at issue without any. Open ones stay receivable (settled_at
    NULL). Invoices issued after the as-of date are not yet receivable.
#}

with invoices_billed as (

    select
        invoice_id,
        currency,
        status,
        issued_at,
        total_local
    from {{ ref('int_invoices_billed') }}

),

payments as (

    select
        invoice_id,
        payment_type,
        status,
        occurred_at
    from {{ ref('stg_billing__payments') }}

),

as_of as (

    select snapshot_at as cutoff_at
    from {{ ref('util_months') }}
    where is_as_of_month

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

final as (

    select
        invoices_billed.invoice_id,
        invoices_billed.currency,
        invoices_billed.total_local,
        invoices_billed.issued_at,
        invoices_billed.status = 'uncollectible' as is_written_off,
        case invoices_billed.status
            when 'paid' then coalesce(invoice_charges.last_success_at, invoices_billed.issued_at)
            when 'uncollectible' then coalesce(invoice_charges.last_attempt_at, invoices_billed.issued_at)
        end as settled_at
    from invoices_billed
    cross join as_of
    left join invoice_charges
        on invoices_billed.invoice_id = invoice_charges.invoice_id
    where invoices_billed.issued_at < as_of.cutoff_at

)

select * from final
