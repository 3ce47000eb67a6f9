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

{# One window order for everything: the order events apply in. Status, plan
   and quantity carry forward over events that leave them empty; the
   cancellation reason travels with the status (staging turns empty text into
   NULL, so '' can only mean "set by an event without a reason"). #}
sequenced as (

    select
        event_id,
        subscription_id,
        event_type,
        unit_price,
        discount_percent,
        discount_amount,
        applied_at,
        recorded_at,
        row_number() over (
            partition by subscription_id
            order by applied_at, recorded_at, event_id
        ) as event_sequence,
        {{ carry_forward('event_status', 'subscription_id', 'applied_at, recorded_at, event_id') }} as status,
        {{ carry_forward('plan_id', 'subscription_id', 'applied_at, recorded_at, event_id') }} as plan_id,
        {{ carry_forward('quantity', 'subscription_id', 'applied_at, recorded_at, event_id') }} as quantity,
        {{ carry_forward(
            "case when event_status is not null then coalesce(cancellation_reason, '') end",
            'subscription_id',
            'applied_at, recorded_at, event_id',
        ) }} as status_reason,
        {# Of several events at the same instant only the last one shapes the state. #}
        coalesce(
            lead(applied_at) over (
                partition by subscription_id
                order by applied_at, recorded_at, event_id
            ) <> applied_at,
            true
        ) as is_last_at_instant
    from state_events

),

final as (

    select
        *,
        case when status = 'cancelled' then nullif(status_reason, '') end as cancellation_reason
    from sequenced

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
