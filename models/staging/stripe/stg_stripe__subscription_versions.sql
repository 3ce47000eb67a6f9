{{ config(enabled=stripe_source_enabled()) }}
{#
    One row per observed version of each live-mode Stripe subscription: the
    versions of `subscription_history` in `_fivetran_start` order when the
    connection keeps history, else the one current row of `subscription` (the
    build says which, require_stripe_source). Test-mode and test-clock
    subscriptions are left out (counted in rpt_stripe__exclusions). Read by
    raw_stripe__subscriptions and raw_stripe__subscription_events.
#}
{%- set has_history = not execute or stripe_relation('subscription_history') is not none -%}
{%- set table_name = 'subscription_history' if has_history else 'subscription' -%}
{%- set columns = [
    'id', 'customer_id', 'status', 'created', 'start_date', 'cancel_at', 'cancel_at_period_end',
    'canceled_at', 'ended_at', 'trial_start', 'trial_end', 'pause_collection_behavior',
    'current_period_end', 'cancellation_details_reason', 'livemode', 'test_clock_id', '_fivetran_synced',
] -%}

with versions as (

    {{ stripe_columns(table_name, columns + (['_fivetran_start'] if has_history else [])) }}

),

kept as (

    select
        *,
        cast({{ '_fivetran_start' if has_history else 'created' }} as {{ dbt.type_timestamp() }}) as version_start
    from versions
    where
        coalesce({{ stripe_flag('livemode') }}, true)
        and test_clock_id is null

),

final as (

    select
        id as stripe_subscription_id,
        customer_id,
        lower(status) as status,
        cancellation_details_reason,
        lower(pause_collection_behavior) as pause_collection_behavior,
        coalesce({{ stripe_flag('cancel_at_period_end') }}, false) as is_cancel_at_period_end,
        (coalesce({{ stripe_flag('cancel_at_period_end') }}, false) or cancel_at is not null)
            as has_scheduled_cancellation,
        {{ 'true' if has_history else 'false' }} as is_from_history,
        cast(row_number() over (partition by id order by version_start) as {{ dbt.type_int() }}) as version_number,
        cast(
            row_number() over (partition by id order by version_start desc) = 1 as {{ dbt.type_boolean() }}
        ) as is_latest_version,
        version_start,
        cast(created as {{ dbt.type_timestamp() }}) as created_at,
        cast(start_date as {{ dbt.type_timestamp() }}) as start_at,
        cast(cancel_at as {{ dbt.type_timestamp() }}) as cancel_at,
        cast(canceled_at as {{ dbt.type_timestamp() }}) as canceled_at,
        cast(ended_at as {{ dbt.type_timestamp() }}) as ended_at,
        cast(trial_start as {{ dbt.type_timestamp() }}) as trial_start_at,
        cast(trial_end as {{ dbt.type_timestamp() }}) as trial_end_at,
        cast(current_period_end as {{ dbt.type_timestamp() }}) as current_period_end_at,
        cast(_fivetran_synced as {{ dbt.type_timestamp() }}) as synced_at
    from kept

)

select * from final
