with months as (

    select date_month
    from {{ ref('util_months') }}

),

customer_mrr as (

    select
        movement_type,
        churn_type,
        mrr,
        previous_mrr,
        new_mrr,
        expansion_mrr,
        contraction_mrr,
        churned_mrr,
        reactivation_mrr,
        fx_impact_mrr,
        is_paying,
        date_month
    from {{ ref('fct_customer_mrr_monthly') }}

),

monthly_totals as (

    select
        date_month,
        sum(previous_mrr) as starting_mrr,
        sum(new_mrr) as new_mrr,
        sum(expansion_mrr) as expansion_mrr,
        sum(contraction_mrr) as contraction_mrr,
        sum(churned_mrr) as churned_mrr,
        sum(case when churn_type = 'voluntary' then churned_mrr else 0 end) as voluntary_churned_mrr,
        sum(case when churn_type = 'involuntary' then churned_mrr else 0 end) as involuntary_churned_mrr,
        sum(reactivation_mrr) as reactivation_mrr,
        sum(fx_impact_mrr) as fx_impact_mrr,
        sum(mrr) as ending_mrr,
        sum(case when is_paying then 1 else 0 end) as paying_customers,
        sum(case when movement_type = 'new' then 1 else 0 end) as new_customers,
        sum(case when movement_type = 'churn' then 1 else 0 end) as churned_customers,
        sum(case when movement_type = 'reactivation' then 1 else 0 end) as reactivated_customers
    from customer_mrr
    group by date_month

),

final as (

    select
        months.date_month,
        cast(coalesce(monthly_totals.starting_mrr, 0) as {{ type_money() }}) as starting_mrr,
        cast(coalesce(monthly_totals.new_mrr, 0) as {{ type_money() }}) as new_mrr,
        cast(coalesce(monthly_totals.expansion_mrr, 0) as {{ type_money() }}) as expansion_mrr,
        cast(coalesce(monthly_totals.contraction_mrr, 0) as {{ type_money() }}) as contraction_mrr,
        cast(coalesce(monthly_totals.churned_mrr, 0) as {{ type_money() }}) as churned_mrr,
        cast(coalesce(monthly_totals.voluntary_churned_mrr, 0) as {{ type_money() }}) as voluntary_churned_mrr,
        cast(coalesce(monthly_totals.involuntary_churned_mrr, 0) as {{ type_money() }}) as involuntary_churned_mrr,
        cast(coalesce(monthly_totals.reactivation_mrr, 0) as {{ type_money() }}) as reactivation_mrr,
        cast(coalesce(monthly_totals.fx_impact_mrr, 0) as {{ type_money() }}) as fx_impact_mrr,
        cast(coalesce(monthly_totals.ending_mrr, 0) as {{ type_money() }}) as ending_mrr,
        cast(12 * coalesce(monthly_totals.ending_mrr, 0) as {{ type_money() }}) as arr,
        cast(coalesce(monthly_totals.paying_customers, 0) as {{ dbt.type_int() }}) as paying_customers,
        cast(coalesce(monthly_totals.new_customers, 0) as {{ dbt.type_int() }}) as new_customers,
        cast(coalesce(monthly_totals.churned_customers, 0) as {{ dbt.type_int() }}) as churned_customers,
        cast(coalesce(monthly_totals.reactivated_customers, 0) as {{ dbt.type_int() }}) as reactivated_customers,
        cast(
            {{ divide_round('monthly_totals.ending_mrr', 'monthly_totals.paying_customers', scale=2) }}
            as {{ type_money() }}
        ) as arpa
    from months
    left join monthly_totals
        on months.date_month = monthly_totals.date_month

)

select * from final
