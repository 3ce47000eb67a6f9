with

base_subscription_events as (

    select
        event_id,
        subscription_id,
        event_type,
        plan_id,
        cancellation_reason,
        quantity,
        unit_price,
        discount_percent,
        discount_amount,
        effective_at,
        recorded_at,
        load_batch_id,
        source_file,
        source_row_number,
        reject_reason,
        is_superseded
    from {{ ref('base_billing__subscription_events') }}

),

rejects as (

    select
        load_batch_id,
        source_row_number
    from {{ ref('stg_billing__rejects') }}
    where table_name = 'subscription_events'

),

{# A row is usable when it has no row-local verdict and no cross-table one. #}
final as (

    select
        base_subscription_events.event_id,
        base_subscription_events.subscription_id,
        base_subscription_events.event_type,
        base_subscription_events.plan_id,
        base_subscription_events.cancellation_reason,
        base_subscription_events.quantity,
        base_subscription_events.unit_price,
        base_subscription_events.discount_percent,
        base_subscription_events.discount_amount,
        base_subscription_events.effective_at,
        base_subscription_events.recorded_at,
        base_subscription_events.load_batch_id,
        base_subscription_events.source_file,
        base_subscription_events.source_row_number
    from base_subscription_events
    left join rejects
        on
            base_subscription_events.source_row_number = rejects.source_row_number
            and base_subscription_events.load_batch_id = rejects.load_batch_id
    where
        base_subscription_events.reject_reason is null
        and not base_subscription_events.is_superseded
        and rejects.source_row_number is null

)

select * from final
