with

base_invoices as (

    select
        invoice_id,
        customer_id,
        currency,
        status,
        issued_at,
        due_at,
        load_batch_id,
        source_file,
        source_row_number,
        reject_reason,
        is_superseded
    from {{ ref('base_billing__invoices') }}

),

rejects as (

    select
        load_batch_id,
        source_row_number
    from {{ ref('stg_billing__rejects') }}
    where table_name = 'invoices'

),

{# A row is usable when it has no row-local verdict and no cross-table one. #}
final as (

    select
        base_invoices.invoice_id,
        base_invoices.customer_id,
        base_invoices.currency,
        base_invoices.status,
        base_invoices.issued_at,
        base_invoices.due_at,
        base_invoices.load_batch_id,
        base_invoices.source_file,
        base_invoices.source_row_number
    from base_invoices
    left join rejects
        on
            base_invoices.source_row_number = rejects.source_row_number
            and base_invoices.load_batch_id = rejects.load_batch_id
    where
        base_invoices.reject_reason is null
        and not base_invoices.is_superseded
        and rejects.source_row_number is null

)

select * from final
