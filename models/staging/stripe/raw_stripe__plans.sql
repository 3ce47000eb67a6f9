{{ config(enabled=stripe_source_enabled()) }}
{#
    raw.plans from Stripe's recurring prices: one plan per price (a legacy plan id
    is also a price id). One-time prices are not plans (their lines are one-time
    charges) and test-mode prices are left out; both are counted in
    rpt_stripe__exclusions. A tiered or metered price has no fixed price per
    interval: its plan's unit price is 0, so it adds nothing to MRR, and its usage
    is billed as `usage` lines (docs/stripe.md); stripe_pricing_model says which.
#}
with price as (

    {{ stripe_columns('price', [
        'id', 'product_id', 'currency', 'unit_amount', 'recurring_interval',
        'recurring_interval_count', 'recurring_usage_type', 'billing_scheme',
        'nickname', 'livemode', '_fivetran_synced',
    ]) }}

),

product as (

    {{ stripe_columns('product', ['id', 'name']) }}

),

kept as (

    select *
    from price
    where
        coalesce({{ stripe_flag('livemode') }}, true)
        and recurring_interval is not null

),

final as (

    select
        kept.id as plan_id,
        coalesce(kept.nickname, product.name, kept.id) as plan_name,
        coalesce(product.name, kept.product_id) as product_name,
        cast('subscription' as {{ dbt.type_string() }}) as business_model,
        kept.recurring_interval as billing_interval_unit,
        coalesce(kept.recurring_interval_count, '1') as billing_interval_count,
        upper(kept.currency) as currency,
        case
            when lower(kept.recurring_usage_type) = 'metered' or lower(kept.billing_scheme) = 'tiered'
                then cast('0' as {{ dbt.type_string() }})
            else {{ stripe_money('kept.unit_amount', 'kept.currency') }}
        end as unit_price,
        cast(null as {{ dbt.type_string() }}) as trial_days,
        case
            when lower(kept.recurring_usage_type) = 'metered' then 'metered'
            when lower(kept.billing_scheme) = 'tiered' then 'tiered'
            else 'per_unit'
        end as stripe_pricing_model,
        {{ stripe_lineage('price', order_by='kept.id', synced='kept._fivetran_synced') }}
    from kept
    left join product
        on kept.product_id = product.id

)

select * from final
