with

base_payments as (

    select
        payment_id,
        invoice_id,
        payment_type,
        status,
        currency,
        failure_reason,
        amount,
        occurred_at,
        load_batch_id,
        source_file,
        source_row_number,
        reject_reason,
        is_superseded
    from {{ ref('base_billing__payments') }}

),

rejects as (

    select
        load_batch_id,
        source_row_number
    from {{ ref('stg_billing__rejects') }}
    where table_name = 'payments'

),

{# A row is usable when it has no row-local verdict and no cross-table one. #}
final as (

    select
        base_payments.payment_id,
        base_payments.invoice_id,
        base_payments.payment_type,
        base_payments.status,
        base_payments.currency,
        base_payments.failure_reason,
        base_payments.amount,
        base_payments.occurred_at,
        base_payments.load_batch_id,
        base_payments.source_file,
        base_payments.source_row_number
    from base_payments
    left join rejects
        on
            base_payments.source_row_number = rejects.source_row_number
            and base_payments.load_batch_id = rejects.load_batch_id
    where
        base_payments.reject_reason is null
        and not base_payments.is_superseded
        and rejects.source_row_number is null

)

select * from final
