with

base_plans as (

    select
        plan_id,
        plan_name,
        product_name,
        business_model,
        billing_interval_unit,
        billing_interval_count,
        currency,
        unit_price,
        trial_days,
        load_batch_id,
        source_file,
        source_row_number,
        reject_reason,
        is_superseded
    from {{ ref('base_billing__plans') }}

),

rejects as (

    select
        load_batch_id,
        source_row_number
    from {{ ref('stg_billing__rejects') }}
    where table_name = 'plans'

),

{# A row is usable when it has no row-local verdict and no cross-table one. #}
final as (

    select
        base_plans.plan_id,
        base_plans.plan_name,
        base_plans.product_name,
        base_plans.business_model,
        base_plans.billing_interval_unit,
        base_plans.billing_interval_count,
        base_plans.currency,
        base_plans.unit_price,
        base_plans.trial_days,
        base_plans.load_batch_id,
        base_plans.source_file,
        base_plans.source_row_number
    from base_plans
    left join rejects
        on
            base_plans.source_row_number = rejects.source_row_number
            and base_plans.load_batch_id = rejects.load_batch_id
    where
        base_plans.reject_reason is null
        and not base_plans.is_superseded
        and rejects.source_row_number is null

)

select * from final
