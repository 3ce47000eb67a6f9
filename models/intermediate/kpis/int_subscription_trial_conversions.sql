{#
    One row per subscription that started a trial on or before the as-of date,
    read from the subscription timeline: when its first trial started and when
    the same subscription first became paying after it (a live state worth
    more than 0: active or past due with MRR > 0), if it did by the as-of date.
    Days to convert are calendar days (UTC) from the trial's start to the first
    paying instant.
#}
with subscription_states as (

    select
        subscription_id,
        customer_id,
        status,
        mrr_local,
        valid_from
    from {{ ref('int_subscription_states_valued') }}

),

as_of_month as (

    select snapshot_at
    from {{ ref('util_months') }}
    where is_as_of_month

),

states_until_as_of as (

    select
        subscription_states.subscription_id,
        subscription_states.customer_id,
        subscription_states.status,
        subscription_states.mrr_local,
        subscription_states.valid_from
    from subscription_states
    cross join as_of_month
    where subscription_states.valid_from < as_of_month.snapshot_at

),

trial_starts as (

    select
        subscription_id,
        customer_id,
        min(valid_from) as trial_started_at
    from states_until_as_of
    where status = 'trial'
    group by
        subscription_id,
        customer_id

),

first_paying_after_trial as (

    select
        trial_starts.subscription_id,
        min(states_until_as_of.valid_from) as converted_at
    from trial_starts
    inner join states_until_as_of
        on
            trial_starts.subscription_id = states_until_as_of.subscription_id
            and trial_starts.trial_started_at < states_until_as_of.valid_from
    where
        states_until_as_of.status in ('active', 'past_due')
        and states_until_as_of.mrr_local > 0
    group by trial_starts.subscription_id

),

final as (

    select
        trial_starts.subscription_id,
        trial_starts.customer_id,
        case
            when first_paying_after_trial.converted_at is not null
                then cast({{ dbt.datediff(
                    'cast(trial_starts.trial_started_at as date)',
                    'cast(first_paying_after_trial.converted_at as date)',
                    'day',
                ) }} as {{ dbt.type_int() }})
        end as days_to_convert,
        first_paying_after_trial.converted_at is not null as is_converted,
        cast({{ dbt.date_trunc('month', 'trial_starts.trial_started_at') }} as date) as trial_month,
        trial_starts.trial_started_at,
        first_paying_after_trial.converted_at
    from trial_starts
    left join first_paying_after_trial
        on trial_starts.subscription_id = first_paying_after_trial.subscription_id

)

select * from final
