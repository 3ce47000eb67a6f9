{{ config(enabled=stripe_source_enabled()) }}
{#
    Every landed Stripe row the Stripe source layer leaves out on purpose, counted
    per table and reason, so nothing disappears without a word (docs/stripe.md,
    "What is left out"): test-mode rows (livemode false), test-clock objects
    (simulated time), deleted (draft) invoices, temporary `sub_` line ids,
    one-time prices (not plans), and the rows that belong to a left-out parent.
    Rows not counted here reach the contract relations and are staged or
    rejected like any other raw row.
#}
with customer as (

    {{ stripe_columns('customer', ['id', 'livemode', 'test_clock_id']) }}

),

price as (

    {{ stripe_columns('price', ['id', 'livemode', 'recurring_interval']) }}

),

subscription_versions as (

    {{ stripe_columns(
        'subscription_history' if (not execute or stripe_relation('subscription_history') is not none) else 'subscription',
        ['id', 'livemode', 'test_clock_id'],
    ) }}

),

kept_subscriptions as (

    select distinct stripe_subscription_id
    from {{ ref('stg_stripe__subscription_versions') }}

),

subscription_item as (

    {{ stripe_columns('subscription_item', ['id', 'subscription_id']) }}

),

invoice as (

    {{ stripe_columns('invoice', ['id', 'is_deleted', 'livemode', 'test_clock_id']) }}

),

invoice_line_item as (

    {{ stripe_columns('invoice_line_item', ['id', 'invoice_id', 'livemode']) }}

),

kept_invoices as (

    select invoice_id
    from {{ ref('raw_stripe__invoices') }}

),

charge as (

    {{ stripe_columns('charge', ['id', 'livemode']) }}

),

refund as (

    {{ stripe_columns('refund', ['id', 'charge_id']) }}

),

excluded_rows as (

    select
        'customer' as table_name,
        case
            when not coalesce({{ stripe_flag('livemode') }}, true) then 'test_mode'
            else 'test_clock'
        end as reason
    from customer
    where not coalesce({{ stripe_flag('livemode') }}, true) or test_clock_id is not null

    union all

    select
        'price' as table_name,
        case
            when not coalesce({{ stripe_flag('livemode') }}, true) then 'test_mode'
            else 'one_time_price'
        end as reason
    from price
    where not coalesce({{ stripe_flag('livemode') }}, true) or recurring_interval is null

    union all

    select
        'subscription' as table_name,
        case
            when not coalesce({{ stripe_flag('livemode') }}, true) then 'test_mode'
            else 'test_clock'
        end as reason
    from subscription_versions
    where not coalesce({{ stripe_flag('livemode') }}, true) or test_clock_id is not null

    union all

    select
        'subscription_item' as table_name,
        'parent_left_out' as reason
    from subscription_item
    left join kept_subscriptions
        on subscription_item.subscription_id = kept_subscriptions.stripe_subscription_id
    where kept_subscriptions.stripe_subscription_id is null

    union all

    select
        'invoice' as table_name,
        case
            when not coalesce({{ stripe_flag('livemode') }}, true) then 'test_mode'
            when test_clock_id is not null then 'test_clock'
            else 'deleted_draft'
        end as reason
    from invoice
    where
        not coalesce({{ stripe_flag('livemode') }}, true)
        or test_clock_id is not null
        or coalesce({{ stripe_flag('is_deleted') }}, false)

    union all

    select
        'invoice_line_item' as table_name,
        case
            when coalesce(substring(invoice_line_item.id, 1, 4), '') = 'sub_' then 'temporary_line_id'
            when not coalesce({{ stripe_flag('invoice_line_item.livemode') }}, true) then 'test_mode'
            else 'parent_left_out'
        end as reason
    from invoice_line_item
    left join invoice
        on invoice_line_item.invoice_id = invoice.id
    left join kept_invoices
        on invoice_line_item.invoice_id = kept_invoices.invoice_id
    where
        coalesce(substring(invoice_line_item.id, 1, 4), '') = 'sub_'
        or not coalesce({{ stripe_flag('invoice_line_item.livemode') }}, true)
        or (invoice.id is not null and kept_invoices.invoice_id is null)

    union all

    select
        'charge' as table_name,
        'test_mode' as reason
    from charge
    where not coalesce({{ stripe_flag('livemode') }}, true)

    union all

    select
        'refund' as table_name,
        'parent_left_out' as reason
    from refund
    inner join charge
        on refund.charge_id = charge.id
    where not coalesce({{ stripe_flag('charge.livemode') }}, true)

),

final as (

    select
        table_name,
        reason,
        cast(count(*) as {{ dbt.type_bigint() }}) as excluded_rows
    from excluded_rows
    group by
        table_name,
        reason

)

select * from final
