{{ config(enabled=stripe_source_enabled()) }}
{#
    raw.invoices from Stripe's `invoice`: deleted invoices (Stripe deletes only
    drafts), test-mode and test-clock invoices are left out (counted in
    rpt_stripe__exclusions). Stripe's statuses are the spec's; the issue time
    is the invoice's creation, the due time its due date.
#}
with invoice as (

    {{ stripe_columns('invoice', [
        'id', 'customer_id', 'subscription_id', 'currency', 'status', 'created', 'due_date',
        'is_deleted', 'livemode', 'test_clock_id', '_fivetran_synced',
    ]) }}

),

final as (

    select
        id as invoice_id,
        customer_id,
        upper(currency) as currency,
        lower(status) as status,
        created as issued_at,
        due_date as due_at,
        subscription_id as stripe_subscription_id,
        {{ stripe_lineage('invoice') }}
    from invoice
    where
        coalesce({{ stripe_flag('livemode') }}, true)
        and test_clock_id is null
        and not coalesce({{ stripe_flag('is_deleted') }}, false)

)

select * from final
