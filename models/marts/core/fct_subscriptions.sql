with subscriptions as (

    select
        subscription_id,
        customer_id,
        commitment_months,
        notice_period_days,
        auto_renew,
        created_at
    from {{ ref('stg_billing__subscriptions') }}

),

subscription_states as (

    select
        subscription_id,
        plan_id,
        business_model,
        currency,
        status,
        cancellation_reason,
        quantity,
        unit_price,
        discount_percent,
        discount_amount,
        mrr_local,
        valid_from,
        valid_to
    from {{ ref('int_subscription_states_valued') }}

),

as_of_month as (

    select
        date_month,
        snapshot_at
    from {{ ref('util_months') }}
    where is_as_of_month

),

fx_rates as (

    select
        currency,
        rate_to_reporting,
        date_month
    from {{ ref('int_fx_rates_monthly') }}

),

lifetimes as (

    select
        subscription_id,
        min(case when status = 'trial' then valid_from end) as trial_started_at,
        min(case when status in ('active', 'past_due') then valid_from end) as activated_at,
        min(valid_from) as first_event_at
    from subscription_states
    group by subscription_id

),

as_of_states as (

    select subscription_states.*
    from subscription_states
    cross join as_of_month
    where
        subscription_states.valid_from < as_of_month.snapshot_at
        and (subscription_states.valid_to is null or subscription_states.valid_to >= as_of_month.snapshot_at)

),

final as (

    select
        subscriptions.subscription_id,
        subscriptions.customer_id,
        as_of_states.plan_id,
        as_of_states.business_model,
        as_of_states.currency,
        coalesce(as_of_states.status, 'not_started') as status,
        as_of_states.cancellation_reason,
        cast(subscriptions.commitment_months as {{ dbt.type_int() }}) as commitment_months,
        cast(subscriptions.notice_period_days as {{ dbt.type_int() }}) as notice_period_days,
        cast(as_of_states.quantity as {{ type_quantity() }}) as quantity,
        cast(as_of_states.unit_price as {{ type_amount() }}) as unit_price,
        cast(as_of_states.discount_percent as {{ type_percent() }}) as discount_percent,
        cast(as_of_states.discount_amount as {{ type_amount() }}) as discount_amount,
        cast(coalesce(as_of_states.mrr_local, 0) as decimal(18, 6)) as mrr_local,
        cast(
            round(
                coalesce(cast(as_of_states.mrr_local as decimal(38, 6)) * fx_rates.rate_to_reporting, 0), 2
            ) as {{ type_money() }}
        ) as mrr,
        subscriptions.auto_renew,
        subscriptions.created_at,
        lifetimes.trial_started_at,
        lifetimes.activated_at,
        case when as_of_states.status = 'cancelled' then as_of_states.valid_from end as cancelled_at
    from subscriptions
    left join lifetimes
        on subscriptions.subscription_id = lifetimes.subscription_id
    left join as_of_states
        on subscriptions.subscription_id = as_of_states.subscription_id
    cross join as_of_month
    left join fx_rates
        on
            as_of_states.currency = fx_rates.currency
            and as_of_month.date_month = fx_rates.date_month

)

select * from final
