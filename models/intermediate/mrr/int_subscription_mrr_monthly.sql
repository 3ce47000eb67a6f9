{#
    Month-end snapshot of every subscription: the state in effect at the end of
    each month's snapshot day (valid_from < snapshot_at <= valid_to), for the
    months a subscription is live (trial, active, past due or paused). A range
    join on the timeline: one row per month a subscription is actually present,
    never a subscription x month cross join.
#}
with subscription_states as (

    select
        subscription_id,
        customer_id,
        plan_id,
        business_model,
        currency,
        status,
        list_mrr_local,
        mrr_local,
        is_free,
        valid_from,
        valid_to
    from {{ ref('int_subscription_states_valued') }}
    where status <> 'cancelled'

),

months as (

    select
        date_month,
        snapshot_at
    from {{ ref('util_months') }}

),

final as (

    select
        subscription_states.subscription_id,
        subscription_states.customer_id,
        subscription_states.plan_id,
        subscription_states.business_model,
        subscription_states.currency,
        subscription_states.status,
        subscription_states.list_mrr_local,
        subscription_states.mrr_local,
        subscription_states.is_free,
        months.date_month
    from subscription_states
    inner join months
        on
            subscription_states.valid_from < months.snapshot_at
            and (subscription_states.valid_to is null or subscription_states.valid_to >= months.snapshot_at)

)

select * from final
