{{ config(enabled=stripe_source_enabled()) }}
{#
    raw.subscription_events from Stripe, per contract subscription (subscription
    item), docs/stripe.md "Events":

    - from the subscription's versions (history mode: every version of
      subscription_history; else the current row only): `trial_started` at the
      trial start; `activated` at the trial end (or the start) once it paid;
      `cancellation_scheduled` when a cancellation at period end (or a cancel_at)
      appears, recorded at the request; `cancellation_withdrawn` when it
      disappears before the end; `paused` / `resumed` when collection is paused
      or resumed (or the status is `paused`); `cancelled` at `ended_at`, for
      `non_payment` when the subscription was ever `unpaid` or Stripe gives
      `payment_failed` as the reason, else `voluntary`;
    - from the invoice lines: `plan_changed` / `quantity_changed` where a
      recurring line (or a positive proration line) carries another price or
      quantity than the line before it, at its service period start;
    - from the discount and coupon tables: `discount_changed` at a discount's
      start and at its end (its `end`, or one month after the start for a coupon
      of duration `once`, `duration_in_months` for `repeating`, none for
      `forever`). A percentage applies to every item; an amount off to the
      subscription's first item only, so it is counted once.

    Every event carries the plan, quantity and discount in force at its
    effective time, as the contract asks.
#}
with versions as (

    select *
    from {{ ref('stg_stripe__subscription_versions') }}

),

items as (

    select
        subscription_id as item_id,
        stripe_subscription_id
    from {{ ref('raw_stripe__subscriptions') }}

),

subscription_item as (

    {{ stripe_columns('subscription_item', ['id', 'plan_id', 'price_id', 'quantity']) }}

),

invoice_line_items as (

    select
        subscription_id as item_id,
        plan_id,
        line_type,
        amount,
        quantity,
        service_period_start,
        invoice_id
    from {{ ref('raw_stripe__invoice_line_items') }}

),

invoices as (

    select
        invoice_id,
        issued_at
    from {{ ref('raw_stripe__invoices') }}

),

discount as (

    {{ stripe_columns('discount', ['id', 'coupon_id', 'subscription_id', 'start', 'end']) }}

),

coupon as (

    {{ stripe_columns('coupon', ['id', 'percent_off', 'amount_off', 'currency', 'duration', 'duration_in_months']) }}

),

{# Plan and quantity points: each recurring or positive proration line's price and quantity from its period start. #}
plan_lines as (

    select
        invoice_line_items.item_id,
        invoice_line_items.plan_id,
        cast(invoice_line_items.quantity as {{ type_quantity() }}) as quantity,
        cast(invoice_line_items.service_period_start as {{ dbt.type_timestamp() }}) as point_at,
        cast(invoices.issued_at as {{ dbt.type_timestamp() }}) as point_recorded_at
    from invoice_line_items
    inner join invoices
        on invoice_line_items.invoice_id = invoices.invoice_id
    where
        invoice_line_items.item_id is not null
        and invoice_line_items.plan_id is not null
        and invoice_line_items.service_period_start is not null
        and (
            invoice_line_items.line_type = 'recurring'
            or (
                invoice_line_items.line_type = 'proration'
                and {{ safe_decimal('invoice_line_items.amount') }} > 0
            )
        )

),

plan_points as (

    select
        item_id,
        plan_id,
        quantity,
        point_at,
        point_recorded_at,
        lag(plan_id) over (partition by item_id order by point_at) as previous_plan_id,
        lag(quantity) over (partition by item_id order by point_at) as previous_quantity,
        row_number() over (partition by item_id order by point_at) as point_number
    from (
        select
            *,
            row_number() over (
                partition by item_id, point_at order by point_recorded_at desc, plan_id asc
            ) as rank_at_point
        from plan_lines
    ) as ranked_plan_lines
    where rank_at_point = 1

),

{# The plan before any change: the first line's, else the item's current price. #}
initial_plans as (

    select
        items.item_id,
        items.stripe_subscription_id,
        coalesce(plan_points.plan_id, subscription_item.price_id, subscription_item.plan_id) as plan_id,
        coalesce(
            plan_points.quantity, cast(coalesce(subscription_item.quantity, '1') as {{ type_quantity() }})
        ) as quantity
    from items
    left join subscription_item
        on items.item_id = subscription_item.id
    left join plan_points
        on
            items.item_id = plan_points.item_id
            and plan_points.point_number = 1

),

plan_changes as (

    select
        item_id,
        case when plan_id <> previous_plan_id then 'plan_changed' else 'quantity_changed' end as event_type,
        point_at as effective_at,
        point_recorded_at as recorded_at,
        cast(null as {{ dbt.type_string() }}) as cancellation_reason
    from plan_points
    where
        point_number > 1
        and (plan_id <> previous_plan_id or quantity <> previous_quantity)

),

{# The subscription's lifecycle, from its versions. #}
versions_compared as (

    select
        *,
        lag(has_scheduled_cancellation) over (
            partition by stripe_subscription_id order by version_start
        ) as previous_has_scheduled_cancellation,
        lag(cancel_at) over (partition by stripe_subscription_id order by version_start) as previous_cancel_at,
        lag(pause_collection_behavior) over (
            partition by stripe_subscription_id order by version_start
        ) as previous_pause_collection_behavior,
        lag(status) over (partition by stripe_subscription_id order by version_start) as previous_status
    from versions

),

subscription_facts as (

    select
        stripe_subscription_id,
        max(case when is_latest_version then trial_start_at end) as trial_start_at,
        max(case when is_latest_version then trial_end_at end) as trial_end_at,
        max(case when is_latest_version then coalesce(start_at, created_at) end) as start_at,
        max(case when is_latest_version then created_at end) as created_at,
        max(case when is_latest_version then ended_at end) as ended_at,
        max(case when is_latest_version then canceled_at end) as canceled_at,
        max(case when is_latest_version then status end) as latest_status,
        max(case when is_latest_version then cancellation_details_reason end) as cancellation_details_reason,
        max(case when status in ('active', 'past_due', 'unpaid') then 1 else 0 end) = 1 as was_paying,
        max(case when status = 'unpaid' then 1 else 0 end) = 1 as was_unpaid,
        max(case when has_scheduled_cancellation and ended_at is null then 1 else 0 end) = 1 as had_open_schedule
    from versions
    group by stripe_subscription_id

),

lifecycle as (

    select
        stripe_subscription_id,
        'trial_started' as event_type,
        trial_start_at as effective_at,
        coalesce(created_at, trial_start_at) as recorded_at,
        cast(null as {{ dbt.type_string() }}) as cancellation_reason
    from subscription_facts
    where trial_start_at is not null

    union all

    select
        stripe_subscription_id,
        'activated' as event_type,
        case when trial_start_at is not null then trial_end_at else start_at end as effective_at,
        case when trial_start_at is not null then trial_end_at else start_at end as recorded_at,
        cast(null as {{ dbt.type_string() }}) as cancellation_reason
    from subscription_facts
    where
        was_paying
        or (
            latest_status = 'canceled'
            and (trial_start_at is null or ended_at > trial_end_at)
        )

    union all

    select
        stripe_subscription_id,
        'cancellation_scheduled' as event_type,
        coalesce(cancel_at, current_period_end_at) as effective_at,
        coalesce(canceled_at, version_start) as recorded_at,
        cast(null as {{ dbt.type_string() }}) as cancellation_reason
    from versions_compared
    where
        has_scheduled_cancellation
        and ended_at is null
        and (
            previous_has_scheduled_cancellation is null
            or not previous_has_scheduled_cancellation
            or cancel_at <> previous_cancel_at
        )

    union all

    {#- An ended subscription whose cancellation was asked for before its end, and
        that no version showed pending: the request is its canceled_at. #}
    select
        stripe_subscription_id,
        'cancellation_scheduled' as event_type,
        ended_at as effective_at,
        canceled_at as recorded_at,
        cast(null as {{ dbt.type_string() }}) as cancellation_reason
    from subscription_facts
    where
        ended_at is not null
        and canceled_at < ended_at
        and not had_open_schedule

    union all

    select
        stripe_subscription_id,
        'cancellation_withdrawn' as event_type,
        version_start as effective_at,
        version_start as recorded_at,
        cast(null as {{ dbt.type_string() }}) as cancellation_reason
    from versions_compared
    where
        previous_has_scheduled_cancellation
        and not has_scheduled_cancellation
        and ended_at is null

    union all

    select
        stripe_subscription_id,
        'paused' as event_type,
        case when is_from_history then version_start else coalesce(synced_at, version_start) end as effective_at,
        case when is_from_history then version_start else coalesce(synced_at, version_start) end as recorded_at,
        cast(null as {{ dbt.type_string() }}) as cancellation_reason
    from versions_compared
    where
        ended_at is null
        and (pause_collection_behavior is not null or status = 'paused')
        and (
            previous_status is null
            or (previous_pause_collection_behavior is null and previous_status <> 'paused')
        )

    union all

    select
        stripe_subscription_id,
        'resumed' as event_type,
        version_start as effective_at,
        version_start as recorded_at,
        cast(null as {{ dbt.type_string() }}) as cancellation_reason
    from versions_compared
    where
        ended_at is null
        and pause_collection_behavior is null
        and status <> 'paused'
        and (previous_pause_collection_behavior is not null or previous_status = 'paused')

    union all

    select
        stripe_subscription_id,
        'cancelled' as event_type,
        ended_at as effective_at,
        ended_at as recorded_at,
        case
            when was_unpaid or lower(cancellation_details_reason) = 'payment_failed' then 'non_payment'
            else 'voluntary'
        end as cancellation_reason
    from subscription_facts
    where ended_at is not null

),

{# Discount points: set at each discount's start, cleared at its end. #}
{%- set discount_start = 'cast(discount.' ~ adapter.quote('start') ~ ' as ' ~ dbt.type_timestamp() ~ ')' %}
discounts as (

    select
        discount.id as discount_id,
        discount.subscription_id as stripe_subscription_id,
        {{ discount_start }} as start_at,
        coalesce(
            cast(discount.{{ adapter.quote('end') }} as {{ dbt.type_timestamp() }}),
            case lower(coupon.duration)
                when 'once' then {{ dbt.dateadd('month', 1, discount_start) }}
                when 'repeating' then {{ dbt.dateadd(
                    'month',
                    'cast(coupon.duration_in_months as ' ~ dbt.type_int() ~ ')',
                    discount_start,
                ) }}
            end
        ) as end_at,
        cast(coupon.percent_off as {{ type_percent() }}) as discount_percent,
        cast({{ stripe_money('coupon.amount_off', 'coupon.currency') }} as {{ type_amount() }}) as discount_amount
    from discount
    inner join coupon
        on discount.coupon_id = coupon.id
    where discount.subscription_id is not null

),

first_items as (

    select
        stripe_subscription_id,
        min(item_id) as item_id
    from items
    group by stripe_subscription_id

),

discount_points as (

    select
        items.item_id,
        discounts.start_at as point_at,
        discounts.discount_percent,
        case when items.item_id = first_items.item_id then discounts.discount_amount end as discount_amount
    from discounts
    inner join items
        on discounts.stripe_subscription_id = items.stripe_subscription_id
    inner join first_items
        on discounts.stripe_subscription_id = first_items.stripe_subscription_id

    union all

    select
        items.item_id,
        discounts.end_at as point_at,
        cast(null as {{ type_percent() }}) as discount_percent,
        cast(null as {{ type_amount() }}) as discount_amount
    from discounts
    inner join items
        on discounts.stripe_subscription_id = items.stripe_subscription_id
    where discounts.end_at is not null

),

discount_changes as (

    select distinct
        item_id,
        'discount_changed' as event_type,
        point_at as effective_at,
        point_at as recorded_at,
        cast(null as {{ dbt.type_string() }}) as cancellation_reason
    from discount_points

),

all_events as (

    select
        items.item_id,
        items.stripe_subscription_id,
        lifecycle.event_type,
        lifecycle.effective_at,
        lifecycle.recorded_at,
        lifecycle.cancellation_reason
    from lifecycle
    inner join items
        on lifecycle.stripe_subscription_id = items.stripe_subscription_id

    union all

    select
        plan_changes.item_id,
        items.stripe_subscription_id,
        plan_changes.event_type,
        plan_changes.effective_at,
        plan_changes.recorded_at,
        plan_changes.cancellation_reason
    from plan_changes
    inner join items
        on plan_changes.item_id = items.item_id

    union all

    select
        discount_changes.item_id,
        items.stripe_subscription_id,
        discount_changes.event_type,
        discount_changes.effective_at,
        discount_changes.recorded_at,
        discount_changes.cancellation_reason
    from discount_changes
    inner join items
        on discount_changes.item_id = items.item_id

),

{# The plan in force at each event: the last plan point at or before it, else the initial plan. #}
plan_in_force as (

    select
        all_events.item_id,
        all_events.event_type,
        all_events.effective_at,
        all_events.recorded_at,
        plan_points.plan_id,
        plan_points.quantity,
        row_number() over (
            partition by
                all_events.item_id, all_events.event_type,
                all_events.effective_at, all_events.recorded_at
            order by plan_points.point_at desc
        ) as point_rank
    from all_events
    inner join plan_points
        on
            all_events.item_id = plan_points.item_id
            and all_events.effective_at >= plan_points.point_at

),

events_with_plan as (

    select
        all_events.*,
        coalesce(plan_in_force.plan_id, initial_plans.plan_id) as plan_id,
        coalesce(plan_in_force.quantity, initial_plans.quantity) as quantity
    from all_events
    inner join initial_plans
        on all_events.item_id = initial_plans.item_id
    left join plan_in_force
        on
            all_events.item_id = plan_in_force.item_id
            and all_events.event_type = plan_in_force.event_type
            and all_events.effective_at = plan_in_force.effective_at
            and all_events.recorded_at = plan_in_force.recorded_at
            and plan_in_force.point_rank = 1

),

{# The discount in force at each event: the last discount point at or before it. #}
discount_in_force as (

    select
        events_with_plan.item_id,
        events_with_plan.event_type,
        events_with_plan.effective_at,
        events_with_plan.recorded_at,
        discount_points.discount_percent,
        discount_points.discount_amount,
        row_number() over (
            partition by
                events_with_plan.item_id, events_with_plan.event_type,
                events_with_plan.effective_at, events_with_plan.recorded_at
            order by discount_points.point_at desc, discount_points.discount_percent asc
        ) as point_rank
    from events_with_plan
    inner join discount_points
        on
            events_with_plan.item_id = discount_points.item_id
            and events_with_plan.effective_at >= discount_points.point_at

),

events_with_discount as (

    select
        events_with_plan.*,
        discount_in_force.discount_percent,
        discount_in_force.discount_amount
    from events_with_plan
    left join discount_in_force
        on
            events_with_plan.item_id = discount_in_force.item_id
            and events_with_plan.event_type = discount_in_force.event_type
            and events_with_plan.effective_at = discount_in_force.effective_at
            and events_with_plan.recorded_at = discount_in_force.recorded_at
            and discount_in_force.point_rank = 1

),

final as (

    select
        item_id
        || ':' || event_type
        || ':' || cast(
            row_number() over (partition by item_id, event_type order by effective_at, recorded_at)
            as {{ dbt.type_string() }}
        ) as event_id,
        item_id as subscription_id,
        event_type,
        cast(effective_at as {{ dbt.type_string() }}) as effective_at,
        cast(recorded_at as {{ dbt.type_string() }}) as recorded_at,
        plan_id,
        cast(quantity as {{ dbt.type_string() }}) as quantity,
        cast(null as {{ dbt.type_string() }}) as unit_price,
        cast(discount_percent as {{ dbt.type_string() }}) as discount_percent,
        cast(discount_amount as {{ dbt.type_string() }}) as discount_amount,
        cancellation_reason,
        stripe_subscription_id,
        {{ stripe_lineage(
            'subscription_history', order_by='item_id, effective_at, recorded_at, event_type', synced=none
        ) }}
    from events_with_discount

)

select * from final
