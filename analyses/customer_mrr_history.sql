{#
    Exploration: one customer's MRR story, month by month, with the movement and
    the subscription states behind it. Set the customer with
    `dbt compile --select customer_mrr_history --vars '{analysis_customer_id: "0004711"}'`.
#}
with customer_months as (

    select
        customer_id,
        movement_type,
        churn_type,
        customer_status,
        mrr,
        previous_mrr,
        mrr_movement,
        fx_impact_mrr,
        date_month
    from {{ ref('fct_customer_mrr_monthly') }}
    where customer_id = '{{ var("analysis_customer_id", "0000001") }}'

),

subscription_months as (

    select
        customer_id,
        date_month,
        count(*) as live_subscriptions,
        sum(case when status = 'paused' then 1 else 0 end) as paused_subscriptions,
        sum(case when status = 'past_due' then 1 else 0 end) as past_due_subscriptions
    from {{ ref('int_subscription_mrr_monthly') }}
    where customer_id = '{{ var("analysis_customer_id", "0000001") }}'
    group by
        customer_id,
        date_month

),

final as (

    select
        customer_months.customer_id,
        customer_months.movement_type,
        customer_months.churn_type,
        customer_months.customer_status,
        customer_months.mrr,
        customer_months.previous_mrr,
        customer_months.mrr_movement,
        customer_months.fx_impact_mrr,
        subscription_months.live_subscriptions,
        subscription_months.paused_subscriptions,
        subscription_months.past_due_subscriptions,
        customer_months.date_month
    from customer_months
    left join subscription_months
        on
            customer_months.customer_id = subscription_months.customer_id
            and customer_months.date_month = subscription_months.date_month

)

select * from final
order by date_month asc
