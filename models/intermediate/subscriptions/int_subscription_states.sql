{#
    The subscription timeline: one row per subscription per interval of
    constant state, [valid_from, valid_to). Built from the sequenced events and
    the past-due periods: every instant where either changes is a change point;
    the state at a change point is the last event's state, shown as past_due
    while an active subscription has an unrecovered failed charge. Consecutive
    intervals with the same state are merged. What each state is worth (its
    MRR) is `int_subscription_states_valued`.
#}
with subscription_events as (

    select
        subscription_id,
        status,
        plan_id,
        cancellation_reason,
        quantity,
        unit_price,
        discount_percent,
        discount_amount,
        applied_at
    from {{ ref('int_subscription_events_sequenced') }}
    where is_last_at_instant

),

past_due_periods as (

    select
        subscription_id,
        past_due_from,
        past_due_to
    from {{ ref('int_subscription_past_due_periods') }}

),

subscriptions as (

    select
        subscription_id,
        customer_id
    from {{ ref('stg_billing__subscriptions') }}

),

plans as (

    select
        plan_id,
        business_model,
        billing_interval_unit,
        currency,
        billing_interval_count,
        unit_price
    from {{ ref('stg_billing__plans') }}

),

subscriptions_with_past_due as (

    select distinct subscription_id
    from past_due_periods

),

{# Most subscriptions never go past due: their change points are their events. #}
plain_points as (

    select
        subscription_events.subscription_id,
        subscription_events.status as event_status,
        subscription_events.plan_id,
        subscription_events.cancellation_reason,
        subscription_events.quantity,
        subscription_events.unit_price,
        subscription_events.discount_percent,
        subscription_events.discount_amount,
        0 as past_due_depth,
        subscription_events.applied_at as changed_at
    from subscription_events
    left join subscriptions_with_past_due
        on subscription_events.subscription_id = subscriptions_with_past_due.subscription_id
    where subscriptions_with_past_due.subscription_id is null

),

{# For the others, every instant where the events or the past-due periods change
   is a change point. #}
past_due_change_points as (

    select
        subscription_events.subscription_id,
        subscription_events.status,
        subscription_events.plan_id,
        subscription_events.cancellation_reason,
        subscription_events.quantity,
        subscription_events.unit_price,
        subscription_events.discount_percent,
        subscription_events.discount_amount,
        1 as is_event,
        0 as past_due_step,
        subscription_events.applied_at as changed_at
    from subscription_events
    inner join subscriptions_with_past_due
        on subscription_events.subscription_id = subscriptions_with_past_due.subscription_id

    union all

    select
        subscription_id,
        null as status,
        null as plan_id,
        null as cancellation_reason,
        null as quantity,
        null as unit_price,
        null as discount_percent,
        null as discount_amount,
        0 as is_event,
        1 as past_due_step,
        past_due_from as changed_at
    from past_due_periods

    union all

    select
        subscription_id,
        null as status,
        null as plan_id,
        null as cancellation_reason,
        null as quantity,
        null as unit_price,
        null as discount_percent,
        null as discount_amount,
        0 as is_event,
        -1 as past_due_step,
        past_due_to as changed_at
    from past_due_periods
    where past_due_to is not null

),

{# In one order (instant, then events before past-due markers): the event group
   (each event opens one), how many past-due periods are open, and whether the
   row is the last at its instant, which carries the effect of all of them. #}
accumulated as (

    select
        *,
        sum(is_event) over (
            partition by subscription_id
            order by changed_at, is_event, past_due_step
            rows between unbounded preceding and current row
        ) as event_group,
        sum(past_due_step) over (
            partition by subscription_id
            order by changed_at, is_event, past_due_step
            rows between unbounded preceding and current row
        ) as past_due_depth,
        coalesce(
            lead(changed_at) over (
                partition by subscription_id
                order by changed_at, is_event, past_due_step
            ) <> changed_at,
            true
        ) as is_last_at_instant
    from past_due_change_points

),

{# Each event group holds exactly one event row; spread its state over the
   past-due markers that follow it. #}
spread as (

    select
        subscription_id,
        event_group,
        past_due_depth,
        is_last_at_instant,
        changed_at,
        max(status) over (partition by subscription_id, event_group) as event_status,
        max(plan_id) over (partition by subscription_id, event_group) as plan_id,
        max(cancellation_reason) over (partition by subscription_id, event_group) as cancellation_reason,
        max(quantity) over (partition by subscription_id, event_group) as quantity,
        max(unit_price) over (partition by subscription_id, event_group) as unit_price,
        max(discount_percent) over (partition by subscription_id, event_group) as discount_percent,
        max(discount_amount) over (partition by subscription_id, event_group) as discount_amount
    from accumulated

),

points_at_instants as (

    select
        subscription_id,
        event_status,
        plan_id,
        cancellation_reason,
        quantity,
        unit_price,
        discount_percent,
        discount_amount,
        past_due_depth,
        changed_at
    from plain_points

    union all

    select
        subscription_id,
        event_status,
        plan_id,
        cancellation_reason,
        quantity,
        unit_price,
        discount_percent,
        discount_amount,
        past_due_depth,
        changed_at
    from spread
    where
        event_group > 0
        and is_last_at_instant

),

states_with_plans as (

    select
        points_at_instants.subscription_id,
        subscriptions.customer_id,
        points_at_instants.plan_id,
        plans.business_model,
        plans.currency,
        plans.billing_interval_unit,
        points_at_instants.cancellation_reason,
        plans.billing_interval_count,
        points_at_instants.quantity,
        plans.unit_price as list_unit_price,
        points_at_instants.changed_at,
        case
            when points_at_instants.event_status = 'active' and points_at_instants.past_due_depth > 0
                then 'past_due'
            else points_at_instants.event_status
        end as status,
        coalesce(points_at_instants.unit_price, plans.unit_price) as unit_price,
        coalesce(points_at_instants.discount_percent, 0) as discount_percent,
        coalesce(points_at_instants.discount_amount, 0) as discount_amount
    from points_at_instants
    inner join subscriptions
        on points_at_instants.subscription_id = subscriptions.subscription_id
    {# A state without a known plan is kept (the timeline stays contiguous); it
        is valued at MRR 0 and the model's tests flag it. #}
    left join plans
        on points_at_instants.plan_id = plans.plan_id

),

{# A state key made of everything that defines the state; a point whose key
   equals the previous point's changes nothing and is merged away. #}
state_keys as (

    select
        *,
        {{ dbt.concat([
            "coalesce(status, '~')", "'|'",
            "coalesce(plan_id, '~')", "'|'",
            "coalesce(cast(quantity as " ~ dbt.type_string() ~ "), '~')", "'|'",
            "coalesce(cast(unit_price as " ~ dbt.type_string() ~ "), '~')", "'|'",
            "cast(discount_percent as " ~ dbt.type_string() ~ ")", "'|'",
            "cast(discount_amount as " ~ dbt.type_string() ~ ")", "'|'",
            "coalesce(cancellation_reason, '~')",
        ]) }} as state_key
    from states_with_plans

),

changes_flagged as (

    select
        *,
        case
            when state_key = lag(state_key) over (partition by subscription_id order by changed_at) then 0
            else 1
        end as is_change
    from state_keys

),

changes as (

    select *
    from changes_flagged
    where is_change = 1

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
        changed_at as valid_from,
        row_number() over (partition by subscription_id order by changed_at) as state_sequence,
        lead(changed_at) over (partition by subscription_id order by changed_at) as valid_to
    from changes

)

select
    *,
    valid_to is null as is_current
from final
