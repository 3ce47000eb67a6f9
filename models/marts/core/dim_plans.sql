with plans as (

    select
        plan_id,
        plan_name,
        product_name,
        business_model,
        billing_interval_unit,
        currency,
        billing_interval_count,
        unit_price,
        trial_days
    from {{ ref('stg_billing__plans') }}

),

final as (

    select
        plan_id,
        plan_name,
        product_name,
        business_model,
        billing_interval_unit,
        currency,
        cast(billing_interval_count as {{ dbt.type_int() }}) as billing_interval_count,
        cast(unit_price as {{ type_amount() }}) as unit_price,
        cast(
            {{ monthly_normalised('unit_price', 'billing_interval_unit', 'billing_interval_count', scale=4) }}
            as {{ type_amount() }}
        ) as monthly_list_price,
        cast(trial_days as {{ dbt.type_int() }}) as trial_days,
        unit_price = 0 as is_free
    from plans

)

select * from final
