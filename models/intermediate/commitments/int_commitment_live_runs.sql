{#
    The live runs of subscriptions with a commitment term (docs/conventions.md,
    "Commitment terms and renewals"): a live run is a stretch of consecutive
    active, past-due or paused states. A run ends when the subscription leaves
    those states (NULL while it is still live); the time the cancellation that
    ends it was recorded is kept, since a notice of non-renewal can precede its
    effect. `int_commitment_terms` starts terms at these runs.
#}

with subscriptions as (

    select subscription_id
    from {{ ref('stg_billing__subscriptions') }}
    where commitment_months is not null

),

subscription_states as (

    select
        subscription_id,
        status,
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
    where event_type in ('cancellation_scheduled', 'cancelled')

),

committed_states as (

    select
        subscription_states.subscription_id,
        subscription_states.valid_from,
        subscription_states.valid_to,
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
    from committed_states

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
    group by
        live_runs.subscription_id,
        live_runs.run_number

),

final as (

    select
        live_runs.subscription_id,
        live_runs.run_number,
        live_runs.run_start_at,
        live_runs.run_end_at,
        run_ends_recorded.run_end_recorded_at
    from live_runs
    left join run_ends_recorded
        on
            live_runs.subscription_id = run_ends_recorded.subscription_id
            and live_runs.run_number = run_ends_recorded.run_number

)

select * from final
