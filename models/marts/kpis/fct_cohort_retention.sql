{#
    Cohort retention (docs/conventions.md, "Monthly KPIs"): customers by their
    first paying month, and for each month since, how many still pay (MRR > 0
    at the month-end snapshot) and their MRR. Customer months are aggregated per
    cohort and month first, then laid on a cohort x month frame, so the only
    cross join is cohorts x months.
#}
with customers as (

    select
        customer_id,
        first_paid_month
    from {{ ref('dim_customers') }}
    where first_paid_month is not null

),

customer_months as (

    select
        customer_id,
        mrr,
        date_month
    from {{ ref('fct_customer_mrr_monthly') }}
    where is_paying

),

months as (

    select
        date_month,
        month_index
    from {{ ref('util_months') }}

),

cohorts as (

    select
        first_paid_month as cohort_month,
        count(*) as cohort_size
    from customers
    group by first_paid_month

),

cohort_month_totals as (

    select
        customers.first_paid_month as cohort_month,
        customer_months.date_month,
        count(*) as customers_paying,
        sum(customer_months.mrr) as cohort_mrr
    from customer_months
    inner join customers
        on customer_months.customer_id = customers.customer_id
    group by
        customers.first_paid_month,
        customer_months.date_month

),

cohort_frame as (

    select
        cohorts.cohort_month,
        cohorts.cohort_size,
        months.date_month,
        months.month_index - cohort_months.month_index as months_since
    from cohorts
    inner join months as cohort_months
        on cohorts.cohort_month = cohort_months.date_month
    inner join months
        on cohort_months.month_index <= months.month_index

),

cohort_starts as (

    select
        cohort_month,
        cohort_mrr as starting_cohort_mrr
    from cohort_month_totals
    where date_month = cohort_month

),

final as (

    select
        cohort_frame.cohort_month,
        cast(cohort_frame.months_since as {{ dbt.type_int() }}) as months_since,
        cast(cohort_frame.cohort_size as {{ dbt.type_int() }}) as cohort_size,
        cast(coalesce(cohort_month_totals.customers_paying, 0) as {{ dbt.type_int() }}) as customers_paying,
        cast(
            {{ divide_round('coalesce(cohort_month_totals.customers_paying, 0)', 'cohort_frame.cohort_size', scale=6) }}
            as {{ type_ratio() }}
        ) as logo_retention,
        cast(coalesce(cohort_month_totals.cohort_mrr, 0) as {{ type_money() }}) as cohort_mrr,
        cast(cohort_starts.starting_cohort_mrr as {{ type_money() }}) as starting_cohort_mrr,
        cast(
            {{ divide_round(
                'coalesce(cohort_month_totals.cohort_mrr, 0)', 'cohort_starts.starting_cohort_mrr', scale=6,
            ) }} as {{ type_ratio() }}
        ) as revenue_retention,
        cohort_frame.date_month
    from cohort_frame
    left join cohort_month_totals
        on
            cohort_frame.cohort_month = cohort_month_totals.cohort_month
            and cohort_frame.date_month = cohort_month_totals.date_month
    left join cohort_starts
        on cohort_frame.cohort_month = cohort_starts.cohort_month

)

select * from final
