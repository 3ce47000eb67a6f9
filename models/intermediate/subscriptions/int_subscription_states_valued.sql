{#
    The valuation of the subscription timeline: each state of
    `int_subscription_states` with its monthly-normalised value, list and net of
    discounts (docs/conventions.md, MRR 2 to 4). Only live paying states (active,
    past due) with a known plan are worth anything; trials, pauses and
    cancellations are worth 0.
#}
with subscription_states as (

    select
        subscription_id,
        customer_id,
        plan_id,
        business_model,
        currency,
        billing_interval_unit,
        status,
        cancellation_reason,
        billing_interval_count,
        quantity,
        unit_price,
        list_unit_price,
        discount_percent,
        discount_amount,
        valid_from,
        state_sequence,
        valid_to,
        is_current
    from {{ ref('int_subscription_states') }}

),

{# Value per billing interval: price x quantity, then the discounts, never
    below zero (docs/conventions.md, MRR 3). #}
interval_values as (

    select
        *,
        cast(cast(unit_price as decimal(38, 8)) * quantity as decimal(38, 8)) as list_interval_value
    from subscription_states

),

with_discounts as (

    select
        *,
        greatest(
            cast(
                list_interval_value * (100 - discount_percent) * 0.01 - discount_amount
                as decimal(38, 8)
            ),
            cast(0 as decimal(38, 8))
        ) as net_interval_value
    from interval_values

),

monthly as (

    select
        *,
        case
            when status in ('active', 'past_due') and plan_id is not null
                then {{ monthly_normalised('list_interval_value', 'billing_interval_unit', 'billing_interval_count') }}
            else 0
        end as list_mrr_normalised,
        case
            when status in ('active', 'past_due') and plan_id is not null
                then {{ monthly_normalised('net_interval_value', 'billing_interval_unit', 'billing_interval_count') }}
            else 0
        end as mrr_normalised
    from with_discounts

),

{# Six decimals in the plan's currency; free = live and paying but worth 0
   before that rounding. #}
valued as (

    select
        *,
        cast(list_mrr_normalised as decimal(18, 6)) as list_mrr_local,
        cast(mrr_normalised as decimal(18, 6)) as mrr_local,
        status in ('active', 'past_due') and mrr_normalised = 0 as is_free
    from monthly

),

final as (

    select
        subscription_id,
        customer_id,
        plan_id,
        business_model,
        currency,
        billing_interval_unit,
        status,
        cancellation_reason,
        billing_interval_count,
        quantity,
        unit_price,
        list_unit_price,
        discount_percent,
        discount_amount,
        list_mrr_local,
        mrr_local,
        valid_from,
        state_sequence,
        is_free,
        valid_to,
        is_current
    from valued

)

select * from final
