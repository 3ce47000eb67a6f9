{{ config(enabled=stripe_source_enabled()) }}
{#
    raw.subscriptions from Stripe: one contract subscription per subscription item,
    so a subscription with two items is two contract subscriptions whose MRR adds
    up to the customer's; the contract id is the item id, the Stripe subscription
    and item ids are kept as extra columns. Items of left-out (test-mode,
    test-clock) subscriptions are left out with them. Stripe has no commitment
    terms or notice periods: those are empty; auto_renew is false while a
    cancellation at period end is pending, else true.
#}
with subscription_item as (

    {{ stripe_columns('subscription_item', ['id', 'subscription_id', 'created']) }}

),

latest_versions as (

    select
        stripe_subscription_id,
        customer_id,
        created_at,
        is_cancel_at_period_end,
        synced_at
    from {{ ref('stg_stripe__subscription_versions') }}
    where is_latest_version

),

final as (

    select
        subscription_item.id as subscription_id,
        latest_versions.customer_id,
        cast(
            coalesce(cast(subscription_item.created as {{ dbt.type_timestamp() }}), latest_versions.created_at)
            as {{ dbt.type_string() }}
        ) as created_at,
        cast(null as {{ dbt.type_string() }}) as commitment_months,
        cast(null as {{ dbt.type_string() }}) as notice_period_days,
        case when latest_versions.is_cancel_at_period_end then 'false' else 'true' end as auto_renew,
        latest_versions.stripe_subscription_id,
        subscription_item.id as stripe_subscription_item_id,
        {{ stripe_lineage('subscription_item', order_by='subscription_item.id', synced='latest_versions.synced_at') }}
    from subscription_item
    inner join latest_versions
        on subscription_item.subscription_id = latest_versions.stripe_subscription_id

)

select * from final
