{#
    Twelve-month revenue retention (docs/conventions.md, "Monthly KPIs"): for
    each month M, the customers paying at the end of M-12 (MRR > 0), their MRR
    then, their MRR at M (0 when they have no row at M) and that MRR capped at
    each customer's MRR(M-12). A range of customer months joined to the same
    customer twelve months later: proportional to customer activity, never a
    customer x month cross join. Months whose M-12 is before the data, or has no
    paying customer, have no row. Read from the customer months that
    fct_customer_mrr_monthly publishes one to one, so the figures are the mart's.
#}
with customer_months as (

    select
        customer_id,
        mrr,
        date_month
    from {{ ref('int_customer_mrr_movements') }}

),

months as (

    select
        date_month,
        month_index
    from {{ ref('util_months') }}

),

base_customers as (

    select
        customer_months.customer_id,
        customer_months.mrr as base_mrr,
        months.month_index
    from customer_months
    inner join months
        on customer_months.date_month = months.date_month
    where customer_months.mrr > 0

),

base_customers_a_year_later as (

    select
        base_customers.customer_id,
        base_customers.base_mrr,
        later_months.date_month,
        coalesce(customer_months.mrr, 0) as mrr
    from base_customers
    inner join months as later_months
        on later_months.month_index = base_customers.month_index + 12
    left join customer_months
        on
            base_customers.customer_id = customer_months.customer_id
            and later_months.date_month = customer_months.date_month

),

final as (

    select
        date_month,
        cast(count(*) as {{ dbt.type_int() }}) as base_customers,
        cast(sum(base_mrr) as {{ type_money() }}) as base_mrr,
        cast(sum(mrr) as {{ type_money() }}) as retained_mrr,
        cast(sum(least(mrr, base_mrr)) as {{ type_money() }}) as capped_retained_mrr
    from base_customers_a_year_later
    group by date_month

)

select * from final
