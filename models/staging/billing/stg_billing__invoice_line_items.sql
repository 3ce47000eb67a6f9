with

base_invoice_line_items as (

    select
        line_item_id,
        invoice_id,
        subscription_id,
        plan_id,
        line_type,
        description,
        quantity,
        amount,
        discount_amount,
        tax_amount,
        service_period_start,
        service_period_end,
        load_batch_id,
        source_file,
        source_row_number,
        reject_reason,
        is_superseded
    from {{ ref('base_billing__invoice_line_items') }}

),

rejects as (

    select
        load_batch_id,
        source_row_number
    from {{ ref('stg_billing__rejects') }}
    where table_name = 'invoice_line_items'

),

{# A row is usable when it has no row-local verdict and no cross-table one. #}
final as (

    select
        base_invoice_line_items.line_item_id,
        base_invoice_line_items.invoice_id,
        base_invoice_line_items.subscription_id,
        base_invoice_line_items.plan_id,
        base_invoice_line_items.line_type,
        base_invoice_line_items.description,
        base_invoice_line_items.quantity,
        base_invoice_line_items.amount,
        base_invoice_line_items.discount_amount,
        base_invoice_line_items.tax_amount,
        base_invoice_line_items.service_period_start,
        base_invoice_line_items.service_period_end,
        base_invoice_line_items.load_batch_id,
        base_invoice_line_items.source_file,
        base_invoice_line_items.source_row_number
    from base_invoice_line_items
    left join rejects
        on
            base_invoice_line_items.source_row_number = rejects.source_row_number
            and base_invoice_line_items.load_batch_id = rejects.load_batch_id
    where
        base_invoice_line_items.reject_reason is null
        and not base_invoice_line_items.is_superseded
        and rejects.source_row_number is null

)

select * from final
