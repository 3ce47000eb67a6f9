{#
    Contract terms and their renewals (docs/conventions.md, "Commitment terms
    and renewals"), derived from the subscription timeline:
    - a live run is a stretch of consecutive active, past-due or paused states;
    - a term starts at each run start and at each `renewed` event inside a run
      (an anchor); from an anchor, terms roll on every commitment_months while
      the subscription stays live (a renewal without an event), up to the next
      anchor;
    - a term is `renewed` when the next term is a renewal (a roll-on, or a
      `renewed` event, also one that reopens the subscription after a lapse),
      `churned` when the live run ends by the term end and that end is known at
      the as-of date (a cancellation recorded by then, even one that takes
      effect later), otherwise `pending`.
    Only what is known at the as-of date counts: terms that started by then,
    and renewals or cancellations that took effect or were recorded by then.
    ARR uses the contracted unit price (negotiated or indexed, before
    temporary discounts), normalised to a year, converted at the rate of the
    month of the term end (the as-of month's for later term ends).
#}
{%- set far_future = "cast('9999-12-31' as " ~ dbt.type_timestamp() ~ ")" -%}

with subscriptions as (

    select
        subscription_id,
        customer_id,
        commitment_months,
        notice_period_days,
        auto_renew
    from {{ ref('stg_billing__subscriptions') }}
    where commitment_months is not null

),

subscription_states as (

    select
        subscription_id,
        plan_id,
        currency,
        billing_interval_unit,
        status,
        billing_interval_count,
        quantity,
        unit_price,
        valid_from,
        valid_to
    from {{ ref('int_subscription_states') }}

),

subscription_events as (

    select
        subscription_id,
        event_type,
        applied_at,
        recorded_at
    from {{ ref('int_subscription_events_sequenced') }}
    where event_type in ('renewed', 'cancellation_scheduled', 'cancelled')

),

months as (

    select
        date_month,
        month_index,
        is_as_of_month,
        snapshot_at
    from {{ ref('util_months') }}

),

fx_rates as (

    select
        currency,
        rate_to_reporting,
        date_month
    from {{ ref('int_fx_rates_monthly') }}

),

{# What is known at the as-of date: everything before the end of that day. #}
as_of as (

    select
        date_month as as_of_month,
        snapshot_at as cutoff_at
    from months
    where is_as_of_month

),

first_month as (

    select min(month_index) as first_month_index
    from months

),

{# Whole numbers 0, 1, 2, ...: terms rolled on from an anchor (never more than months in the data). #}
steps as (

    select months.month_index - first_month.first_month_index as step
    from months
    cross join first_month

),

{# The annual price per unit: 12 x the monthly-normalised unit price, one exact division. #}
contract_states as (

    select
        subscription_states.*,
        {{ monthly_normalised(
            'cast(subscription_states.unit_price as decimal(38, 4)) * 12',
            'subscription_states.billing_interval_unit',
            'subscription_states.billing_interval_count',
            scale=4,
        ) }} as annual_unit_price,
        subscription_states.status in ('active', 'past_due', 'paused') as is_live
    from subscription_states
    inner join subscriptions
        on subscription_states.subscription_id = subscriptions.subscription_id

),

run_starts_flagged as (

    select
        subscription_id,
        is_live,
        valid_from,
        valid_to,
        case
            when
                is_live
                and not coalesce(lag(is_live) over (partition by subscription_id order by valid_from), false)
                then 1
            else 0
        end as is_run_start
    from contract_states

),

run_numbered as (

    select
        *,
        sum(is_run_start) over (
            partition by subscription_id order by valid_from rows between unbounded preceding and current row
        ) as run_number
    from run_starts_flagged

),

live_runs as (

    select
        subscription_id,
        run_number,
        min(valid_from) as run_start_at,
        case when max(case when valid_to is null then 1 else 0 end) = 0 then max(valid_to) end as run_end_at
    from run_numbered
    where is_live
    group by
        subscription_id,
        run_number

),

{# When the cancellation that ends a run was recorded (a notice of non-renewal can precede its effect). #}
run_ends_recorded as (

    select
        live_runs.subscription_id,
        live_runs.run_number,
        min(subscription_events.recorded_at) as run_end_recorded_at
    from live_runs
    inner join subscription_events
        on
            live_runs.subscription_id = subscription_events.subscription_id
            and live_runs.run_end_at = subscription_events.applied_at
    where subscription_events.event_type in ('cancellation_scheduled', 'cancelled')
    group by
        live_runs.subscription_id,
        live_runs.run_number

),

renewals as (

    select
        subscription_id,
        applied_at as renewed_at,
        min(recorded_at) as renewal_recorded_at
    from subscription_events
    where event_type = 'renewed'
    group by
        subscription_id,
        applied_at

),

{# Anchors: each run start (a renewal when a `renewed` event opens it) and each renewal inside a run. #}
anchors as (

    select
        live_runs.subscription_id,
        live_runs.run_number,
        live_runs.run_start_at as anchor_at,
        coalesce(renewals.renewal_recorded_at, live_runs.run_start_at) as anchor_recorded_at,
        renewals.renewed_at is not null as is_renewal
    from live_runs
    left join renewals
        on
            live_runs.subscription_id = renewals.subscription_id
            and live_runs.run_start_at = renewals.renewed_at

    union all

    select
        live_runs.subscription_id,
        live_runs.run_number,
        renewals.renewed_at as anchor_at,
        renewals.renewal_recorded_at as anchor_recorded_at,
        true as is_renewal
    from live_runs
    inner join renewals
        on
            live_runs.subscription_id = renewals.subscription_id
            and live_runs.run_start_at < renewals.renewed_at
            and coalesce(live_runs.run_end_at, {{ far_future }}) > renewals.renewed_at

),

known_anchors as (

    select
        anchors.subscription_id,
        anchors.run_number,
        anchors.anchor_at,
        anchors.is_renewal,
        lead(anchors.anchor_at) over (
            partition by anchors.subscription_id order by anchors.anchor_at
        ) as next_anchor_at,
        lead(anchors.is_renewal) over (
            partition by anchors.subscription_id order by anchors.anchor_at
        ) as is_next_anchor_renewal
    from anchors
    cross join as_of
    where
        anchors.anchor_at < as_of.cutoff_at
        or anchors.anchor_recorded_at < as_of.cutoff_at

),

terms_rolled_on as (

    select
        known_anchors.subscription_id,
        known_anchors.run_number,
        known_anchors.next_anchor_at,
        known_anchors.is_next_anchor_renewal,
        steps.step,
        known_anchors.is_renewal or steps.step > 0 as is_renewal_term,
        {{ dbt.dateadd('month', 'steps.step * subscriptions.commitment_months', 'known_anchors.anchor_at') }}
            as term_start_at,
        {{ dbt.dateadd('month', '(steps.step + 1) * subscriptions.commitment_months', 'known_anchors.anchor_at') }}
            as term_end_at
    from known_anchors
    inner join subscriptions
        on known_anchors.subscription_id = subscriptions.subscription_id
    cross join steps

),

terms as (

    select
        terms_rolled_on.subscription_id,
        terms_rolled_on.next_anchor_at,
        terms_rolled_on.is_next_anchor_renewal,
        terms_rolled_on.is_renewal_term,
        terms_rolled_on.term_start_at,
        terms_rolled_on.term_end_at,
        live_runs.run_end_at,
        run_ends_recorded.run_end_recorded_at,
        as_of.as_of_month,
        as_of.cutoff_at
    from terms_rolled_on
    inner join live_runs
        on
            terms_rolled_on.subscription_id = live_runs.subscription_id
            and terms_rolled_on.run_number = live_runs.run_number
    left join run_ends_recorded
        on
            terms_rolled_on.subscription_id = run_ends_recorded.subscription_id
            and terms_rolled_on.run_number = run_ends_recorded.run_number
    cross join as_of
    where
        terms_rolled_on.term_start_at < as_of.cutoff_at
        and terms_rolled_on.term_start_at < coalesce(terms_rolled_on.next_anchor_at, {{ far_future }})
        and terms_rolled_on.term_start_at < coalesce(live_runs.run_end_at, {{ far_future }})

),

terms_sequenced as (

    select
        *,
        row_number() over (partition by subscription_id order by term_start_at) as term_number,
        lead(term_start_at) over (partition by subscription_id order by term_start_at) as next_term_start_at,
        lead(is_renewal_term) over (partition by subscription_id order by term_start_at) as is_next_term_renewal
    from terms

),

outcomes as (

    select
        *,
        case
            when next_term_start_at is not null and is_next_term_renewal then 'renewed'
            when next_term_start_at is null and is_next_anchor_renewal then 'renewed'
            when
                run_end_at <= term_end_at
                and (run_end_at < cutoff_at or run_end_recorded_at < cutoff_at)
                then 'churned'
            else 'pending'
        end as outcome
    from terms_sequenced

),

{# The state the term ends in (just before the term end, an early renewal or the run's end) and, for a
    renewal, the state the next term starts in. #}
decision_points as (

    select
        *,
        case when outcome = 'renewed' then coalesce(next_term_start_at, next_anchor_at) end as renewed_at,
        least(
            term_end_at,
            case when outcome = 'renewed' then coalesce(next_term_start_at, next_anchor_at) else term_end_at end,
            coalesce(run_end_at, term_end_at)
        ) as ends_at,
        cast({{ dbt.date_trunc('month', 'term_end_at') }} as date) as term_end_month
    from outcomes

),

terms_with_states as (

    select
        decision_points.subscription_id,
        decision_points.term_number,
        decision_points.outcome,
        before_states.plan_id as plan_id_before,
        after_states.plan_id as plan_id_after,
        before_states.currency as currency_before,
        after_states.currency as currency_after,
        before_states.quantity as quantity_before,
        after_states.quantity as quantity_after,
        before_states.annual_unit_price as annual_unit_price_before,
        after_states.annual_unit_price as annual_unit_price_after,
        decision_points.term_start_at,
        decision_points.term_end_at,
        case
            when decision_points.term_end_month > decision_points.as_of_month then decision_points.as_of_month
            else decision_points.term_end_month
        end as rate_month
    from decision_points
    inner join contract_states as before_states
        on
            decision_points.subscription_id = before_states.subscription_id
            and decision_points.ends_at > before_states.valid_from
            and decision_points.ends_at <= coalesce(before_states.valid_to, {{ far_future }})
    left join contract_states as after_states
        on
            decision_points.subscription_id = after_states.subscription_id
            and decision_points.renewed_at >= after_states.valid_from
            and decision_points.renewed_at < coalesce(after_states.valid_to, {{ far_future }})

),

{# Annual value per unit in the reporting currency, unrounded; a missing rate stops the build. #}
converted as (

    select
        terms_with_states.*,
        {{ to_reporting_currency(
            'terms_with_states.annual_unit_price_before',
            'before_rates.rate_to_reporting',
            'terms_with_states.currency_before',
            "'the snapshot of month ' || cast(terms_with_states.rate_month as " ~ dbt.type_string() ~ ")",
            amount_scale=4,
        ) }} as annual_unit_value_before,
        case
            when terms_with_states.outcome = 'renewed'
                then {{ to_reporting_currency(
                    'terms_with_states.annual_unit_price_after',
                    'after_rates.rate_to_reporting',
                    'terms_with_states.currency_after',
                    "'the snapshot of month ' || cast(terms_with_states.rate_month as " ~ dbt.type_string() ~ ")",
                    amount_scale=4,
                ) }}
        end as annual_unit_value_after
    from terms_with_states
    left join fx_rates as before_rates
        on
            terms_with_states.currency_before = before_rates.currency
            and terms_with_states.rate_month = before_rates.date_month
    left join fx_rates as after_rates
        on
            terms_with_states.currency_after = after_rates.currency
            and terms_with_states.rate_month = after_rates.date_month

),

final as (

    select
        converted.subscription_id,
        subscriptions.customer_id,
        converted.plan_id_before,
        case when converted.outcome = 'renewed' then converted.plan_id_after end as plan_id_after,
        converted.outcome,
        converted.currency_before as currency,
        cast(converted.term_number as {{ dbt.type_int() }}) as term_number,
        subscriptions.commitment_months,
        subscriptions.notice_period_days,
        cast(converted.quantity_before as {{ type_quantity() }}) as quantity_before,
        cast(
            case when converted.outcome = 'renewed' then converted.quantity_after end as {{ type_quantity() }}
        ) as quantity_after,
        cast(converted.annual_unit_price_before as {{ type_amount() }}) as annual_unit_price_before,
        cast(
            case when converted.outcome = 'renewed' then converted.annual_unit_price_after end
            as {{ type_amount() }}
        ) as annual_unit_price_after,
        cast(
            round(cast(converted.quantity_before as decimal(38, 4)) * converted.annual_unit_value_before, 2)
            as {{ type_money() }}
        ) as arr_before,
        cast(
            round(cast(converted.quantity_after as decimal(38, 4)) * converted.annual_unit_value_after, 2)
            as {{ type_money() }}
        ) as arr_after,
        cast(
            round(
                cast(converted.quantity_after as decimal(38, 4))
                * (converted.annual_unit_value_after - converted.annual_unit_value_before),
                2
            )
            as {{ type_money() }}
        ) as price_change_arr,
        cast(
            round(
                converted.annual_unit_value_before
                * (cast(converted.quantity_after as decimal(38, 4)) - converted.quantity_before),
                2
            )
            as {{ type_money() }}
        ) as quantity_change_arr,
        cast(
            {{ divide_round(
                'converted.annual_unit_value_after - converted.annual_unit_value_before',
                'converted.annual_unit_value_before',
                scale=6,
                numerator_scale=12,
                denominator_scale=12,
            ) }}
            as {{ type_ratio() }}
        ) as indexation_rate,
        subscriptions.auto_renew,
        cast(converted.term_start_at as date) as term_start,
        cast(converted.term_end_at as date) as term_end,
        cast(
            {{ dbt.dateadd('day', '-1 * subscriptions.notice_period_days', 'cast(converted.term_end_at as date)') }}
            as date
        ) as notice_deadline
    from converted
    inner join subscriptions
        on converted.subscription_id = subscriptions.subscription_id

)

select * from final
