{#
    The commitment terms of each subscription and their outcomes
    (docs/conventions.md, "Commitment terms and renewals"):
    - a term starts at each live run's start and at each `renewed` event inside
      a run (an anchor); from an anchor, terms roll on every commitment_months
      while the subscription stays live (a renewal without an event), up to the
      next anchor;
    - a term is `renewed` when the next term is a renewal (a roll-on, or a
      `renewed` event, also one that reopens the subscription after a lapse),
      `churned` when the live run ends by the term end and that end is known at
      the as-of date (a cancellation recorded by then, even one that takes
      effect later), otherwise `pending`.
    Only what is known at the as-of date counts: terms that started by then,
    and renewals or cancellations that took effect or were recorded by then.
    Each term also gets the instants its values are read at (`ends_at`, and
    `renewed_at` for a renewal) and the month whose rate converts them.
#}
{%- set far_future = "cast('9999-12-31' as " ~ dbt.type_timestamp() ~ ")" -%}

with subscriptions as (

    select
        subscription_id,
        commitment_months
    from {{ ref('stg_billing__subscriptions') }}
    where commitment_months is not null

),

live_runs as (

    select
        subscription_id,
        run_number,
        run_start_at,
        run_end_at,
        run_end_recorded_at
    from {{ ref('int_commitment_live_runs') }}

),

subscription_events as (

    select
        subscription_id,
        applied_at,
        recorded_at
    from {{ ref('int_subscription_events_sequenced') }}
    where event_type = 'renewed'

),

months as (

    select
        date_month,
        month_index,
        is_as_of_month,
        snapshot_at
    from {{ ref('util_months') }}

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

renewals as (

    select
        subscription_id,
        applied_at as renewed_at,
        min(recorded_at) as renewal_recorded_at
    from subscription_events
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
        live_runs.run_end_recorded_at,
        as_of.as_of_month,
        as_of.cutoff_at
    from terms_rolled_on
    inner join live_runs
        on
            terms_rolled_on.subscription_id = live_runs.subscription_id
            and terms_rolled_on.run_number = live_runs.run_number
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

{# The instant the term ends at (just before the term end, an early renewal or the run's end) and, for a
    renewal, the instant the next term starts at. #}
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

{# Values convert at the rate of the term-end month, the as-of month's for later term ends. #}
final as (

    select
        subscription_id,
        term_number,
        outcome,
        term_start_at,
        term_end_at,
        renewed_at,
        ends_at,
        case
            when term_end_month > as_of_month then as_of_month
            else term_end_month
        end as rate_month
    from decision_points

)

select * from final
