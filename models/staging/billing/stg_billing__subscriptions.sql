with

base_subscriptions as (

    select
        subscription_id,
        customer_id,
        created_at,
        commitment_months,
        notice_period_days,
        auto_renew,
        load_batch_id,
        source_file,
        source_row_number,
        reject_reason,
        is_superseded
    from {{ ref('base_billing__subscriptions') }}

),

rejects as (

    select
        load_batch_id,
        source_row_number
    from {{ ref('stg_billing__rejects') }}
    where table_name = 'subscriptions'

),

{# A row is usable when it has no row-local verdict and no cross-table one. #}
final as (

    select
        base_subscriptions.subscription_id,
        base_subscriptions.customer_id,
        base_subscriptions.created_at,
        base_subscriptions.commitment_months,
        base_subscriptions.notice_period_days,
        base_subscriptions.auto_renew,
        base_subscriptions.load_batch_id,
        base_subscriptions.source_file,
        base_subscriptions.source_row_number
    from base_subscriptions
    left join rejects
        on
            base_subscriptions.source_row_number = rejects.source_row_number
            and base_subscriptions.load_batch_id = rejects.load_batch_id
    where
        base_subscriptions.reject_reason is null
        and not base_subscriptions.is_superseded
        and rejects.source_row_number is null

)

select * from final
