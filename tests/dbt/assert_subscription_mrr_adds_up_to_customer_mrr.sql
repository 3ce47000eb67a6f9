{#
    Cross-mart: each customer-month's subscription MRR adds up exactly to the
    customer's MRR, and every customer-month with MRR has subscriptions. Returns
    the customer-months that differ.
#}
with subscription_months as (

    select
        customer_id,
        mrr,
        date_month
    from {{ ref('fct_subscription_mrr_monthly') }}

),

customer_months as (

    select
        customer_id,
        mrr,
        date_month
    from {{ ref('fct_customer_mrr_monthly') }}
    where mrr <> 0

),

subscription_totals as (

    select
        customer_id,
        date_month,
        sum(mrr) as mrr
    from subscription_months
    group by
        customer_id,
        date_month

),

final as (

    select
        customer_months.mrr as customer_mrr,
        subscription_totals.mrr as subscription_mrr,
        coalesce(customer_months.customer_id, subscription_totals.customer_id) as customer_id,
        coalesce(customer_months.date_month, subscription_totals.date_month) as date_month
    from customer_months
    full outer join subscription_totals
        on
            customer_months.customer_id = subscription_totals.customer_id
            and customer_months.date_month = subscription_totals.date_month
    where coalesce(customer_months.mrr, 0) <> coalesce(subscription_totals.mrr, 0)

)

select * from final
