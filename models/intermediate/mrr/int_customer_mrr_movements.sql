{#
    One movement per customer and month (docs/conventions.md, "Movements"):
    new, expansion, contraction, churn, reactivation or unchanged, with the
    signed amounts. A customer is retained in a month when paying (MRR > 0), or
    when held at MRR 0 after paying without a break: paused (pause_treatment =
    contraction) or on a free plan (free_plan_downgrade = contraction). The FX
    impact is split off first; the rest of the change, valued at this month's
    rate, is the movement.
#}
{%- set pause_treatment = setting('pause_treatment') -%}
{%- set free_plan_downgrade = setting('free_plan_downgrade') -%}
{%- set reactivation_window = setting('reactivation_window_months') -%}

with customer_months as (

    select
        customer_id,
        mrr,
        list_mrr,
        previous_mrr,
        fx_impact_mrr,
        has_paused,
        has_free,
        date_month
    from {{ ref('int_customer_mrr_monthly') }}

),

months as (

    select
        date_month,
        month_index
    from {{ ref('util_months') }}

),

subscription_states as (

    select
        customer_id,
        valid_from
    from {{ ref('int_subscription_states') }}
    where
        status = 'cancelled'
        and cancellation_reason = 'non_payment'

),

non_payment_cancellations as (

    select distinct
        customer_id,
        cast({{ dbt.date_trunc('month', 'valid_from') }} as date) as date_month
    from subscription_states

),

flagged as (

    select
        customer_months.customer_id,
        customer_months.mrr,
        customer_months.list_mrr,
        customer_months.previous_mrr,
        customer_months.fx_impact_mrr,
        months.month_index,
        customer_months.mrr > 0 as is_paying,
        customer_months.has_paused,
        customer_months.has_free,
        (
            {{ 'customer_months.has_paused' if pause_treatment == 'contraction' else 'false' }}
            or {{ 'customer_months.has_free' if free_plan_downgrade == 'contraction' else 'false' }}
        ) as is_holdable,
        customer_months.date_month
    from customer_months
    inner join months
        on customer_months.date_month = months.date_month

),

{# Runs of consecutive months in which the customer is paying or holdable; a
    run is retained from its first paying month on. #}
runs as (

    select
        *,
        month_index - row_number() over (partition by customer_id order by month_index) as run_id
    from flagged
    where is_paying or is_holdable

),

run_starts as (

    select
        customer_id,
        run_id,
        min(case when is_paying then month_index end) as first_paying_month_index
    from runs
    group by
        customer_id,
        run_id

),

retained_months as (

    select
        runs.customer_id,
        runs.month_index
    from runs
    inner join run_starts
        on
            runs.customer_id = run_starts.customer_id
            and runs.run_id = run_starts.run_id
    where runs.month_index >= run_starts.first_paying_month_index

),

with_history as (

    select
        flagged.*,
        retained_months.month_index is not null as is_retained,
        lag(retained_months.month_index is not null) over (
            partition by flagged.customer_id order by flagged.month_index
        ) as was_retained_in_previous_row,
        lag(flagged.month_index) over (
            partition by flagged.customer_id order by flagged.month_index
        ) as previous_row_month_index,
        max(case when flagged.is_paying then 1 else 0 end) over (
            partition by flagged.customer_id
            order by flagged.month_index
            rows between unbounded preceding and 1 preceding
        ) as has_paid_before,
        max(retained_months.month_index) over (
            partition by flagged.customer_id
            order by flagged.month_index
            rows between unbounded preceding and 1 preceding
        ) as last_retained_month_index
    from flagged
    left join retained_months
        on
            flagged.customer_id = retained_months.customer_id
            and flagged.month_index = retained_months.month_index

),

classified as (

    select
        *,
        coalesce(
            was_retained_in_previous_row and previous_row_month_index = month_index - 1, false
        ) as was_retained,
        mrr - previous_mrr - fx_impact_mrr as movement_mrr
    from with_history

),

movements as (

    select
        *,
        case
            when is_retained and not was_retained
                then
                    case
                        when coalesce(has_paid_before, 0) = 0 then 'new'
                        {% if reactivation_window is not none -%}
                            when month_index - last_retained_month_index - 1 > {{ reactivation_window }} then 'new'
                        {% endif -%}
                        else 'reactivation'
                    end
            when was_retained and not is_retained then 'churn'
            when is_retained and was_retained and movement_mrr > 0 then 'expansion'
            when is_retained and was_retained and movement_mrr < 0 then 'contraction'
            else 'unchanged'
        end as movement_type
    from classified

),

final as (

    select
        movements.customer_id,
        movements.movement_type,
        movements.mrr,
        movements.list_mrr,
        movements.previous_mrr,
        movements.fx_impact_mrr,
        movements.movement_mrr,
        movements.is_retained,
        movements.date_month,
        case
            when movements.movement_type <> 'churn' then null
            when non_payment_cancellations.customer_id is not null then 'involuntary'
            else 'voluntary'
        end as churn_type,
        case
            when movements.is_paying then 'paying'
            when movements.movement_type = 'churn' then 'churned'
            when movements.has_paused then 'paused'
            when movements.has_free then 'free'
        end as customer_status
    from movements
    left join non_payment_cancellations
        on
            movements.customer_id = non_payment_cancellations.customer_id
            and movements.date_month = non_payment_cancellations.date_month
    where
        movements.is_retained
        or movements.is_paying
        or movements.has_paused
        or movements.movement_type <> 'unchanged'

)

select * from final
