{#-
    Every raw row whose key a later batch holds again (docs/incremental.md): not an
    error, so not in the rejects ledger, and not staged. With it, raw rows = staged
    + rejected + superseded for every table (test raw_rows_reconcile).
-#}
with

base_customers as (

    select
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__customers') }}
    where is_superseded

),

base_plans as (

    select
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__plans') }}
    where is_superseded

),

base_subscriptions as (

    select
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__subscriptions') }}
    where is_superseded

),

base_subscription_events as (

    select
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__subscription_events') }}
    where is_superseded

),

base_invoices as (

    select
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__invoices') }}
    where is_superseded

),

base_invoice_line_items as (

    select
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__invoice_line_items') }}
    where is_superseded

),

base_payments as (

    select
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__payments') }}
    where is_superseded

),

base_fx_rates as (

    select
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__fx_rates') }}
    where is_superseded

),

base_marketing_spend as (

    select
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__marketing_spend') }}
    where is_superseded

),

superseded_unioned as (

    select
        'customers' as table_name,
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from base_customers

    union all

    select
        'plans' as table_name,
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from base_plans

    union all

    select
        'subscriptions' as table_name,
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from base_subscriptions

    union all

    select
        'subscription_events' as table_name,
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from base_subscription_events

    union all

    select
        'invoices' as table_name,
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from base_invoices

    union all

    select
        'invoice_line_items' as table_name,
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from base_invoice_line_items

    union all

    select
        'payments' as table_name,
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from base_payments

    union all

    select
        'fx_rates' as table_name,
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from base_fx_rates

    union all

    select
        'marketing_spend' as table_name,
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from base_marketing_spend

),

final as (

    select
        table_name,
        record_key,
        load_batch_id,
        source_file,
        source_row_number
    from superseded_unioned

)

select * from final
