{#
    The events that shape each subscription's state, in the order they apply
    (docs/subscription-events.md): withdrawn cancellations removed, cancellation
    timing per the churn_recognition setting, and the status, plan and quantity
    each event leaves behind (carried forward over events that keep them).
#}
{%- set churn_recognition = setting('churn_recognition') -%}

with subscription_events as (

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
        recorded_at
    from {{ ref('stg_billing__subscription_events') }}

),

withdrawals as (

    select
        subscription_id,
        effective_at as withdrawn_from,
        recorded_at as withdrawn_at
    from subscription_events
    where event_type = 'cancellation_withdrawn'

),

withdrawn_cancellations as (

    select distinct cancellations.event_id
    from subscription_events as cancellations
    inner join withdrawals
        on
            cancellations.subscription_id = withdrawals.subscription_id
            and cancellations.recorded_at < withdrawals.withdrawn_at
            and cancellations.effective_at >= withdrawals.withdrawn_from
    where cancellations.event_type in ('cancellation_scheduled', 'cancelled')

),

state_events as (

    select
        subscription_events.event_id,
        subscription_events.subscription_id,
        subscription_events.event_type,
        subscription_events.plan_id,
        subscription_events.cancellation_reason,
        subscription_events.quantity,
        subscription_events.unit_price,
        subscription_events.discount_percent,
        subscription_events.discount_amount,
        case subscription_events.event_type
            when 'trial_started' then 'trial'
            when 'activated' then 'active'
            when 'resumed' then 'active'
            when 'renewed' then 'active'
            when 'paused' then 'paused'
            when 'cancellation_scheduled' then 'cancelled'
            when 'cancelled' then 'cancelled'
        end as event_status,
        {% if churn_recognition == 'request' -%}
            case
                when
                    subscription_events.event_type in ('cancellation_scheduled', 'cancelled')
                    and subscription_events.recorded_at < subscription_events.effective_at
                    then subscription_events.recorded_at
                else subscription_events.effective_at
            end
        {%- else -%}
        subscription_events.effective_at
        {%- endif %} as applied_at,
        subscription_events.recorded_at
    from subscription_events
    left join withdrawn_cancellations
        on subscription_events.event_id = withdrawn_cancellations.event_id
    where
        subscription_events.event_type <> 'cancellation_withdrawn'
        and withdrawn_cancellations.event_id is null

),

sequenced as (

    select
        *,
        row_number() over (
            partition by subscription_id
            order by applied_at, recorded_at, event_id
        ) as event_sequence
    from state_events

),

{# Carry a value forward over events that leave it empty: each non-empty value
    opens a group, and the group's value is that one. Portable, unlike
    `ignore nulls`. #}
carry_groups as (

    select
        *,
        count(event_status) over (
            partition by subscription_id order by event_sequence rows between unbounded preceding and current row
        ) as status_group,
        count(plan_id) over (
            partition by subscription_id order by event_sequence rows between unbounded preceding and current row
        ) as plan_group,
        count(quantity) over (
            partition by subscription_id order by event_sequence rows between unbounded preceding and current row
        ) as quantity_group
    from sequenced

),

carried as (

    select
        event_id,
        subscription_id,
        event_type,
        unit_price,
        discount_percent,
        discount_amount,
        event_sequence,
        applied_at,
        recorded_at,
        max(event_status) over (partition by subscription_id, status_group) as status,
        max(plan_id) over (partition by subscription_id, plan_group) as plan_id,
        max(case when event_status = 'cancelled' then cancellation_reason end) over (
            partition by subscription_id, status_group
        ) as cancellation_reason,
        max(quantity) over (partition by subscription_id, quantity_group) as quantity
    from carry_groups

),

final as (

    select
        *,
        {# Of several events at the same instant only the last one shapes the state. #}
        row_number() over (
            partition by subscription_id, applied_at
            order by event_sequence desc
        ) = 1 as is_last_at_instant
    from carried

)

select
    event_id,
    subscription_id,
    event_type,
    status,
    plan_id,
    cancellation_reason,
    quantity,
    unit_price,
    discount_percent,
    discount_amount,
    event_sequence,
    is_last_at_instant,
    applied_at,
    recorded_at
from final
