{#
    The invoices that count as billed (docs/conventions.md, "Cash"): every
    invoice but drafts and voided ones, with its total in its own currency:
    lines net of discount, plus tax. Read by the cash flows (billings) and by
    the settlements (what stays receivable).
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

final as (

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

)

select * from final
