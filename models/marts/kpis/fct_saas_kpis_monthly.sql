{#
    The monthly SaaS KPIs (docs/conventions.md, "Monthly KPIs"), every formula
    as written there, from the MRR bridge, the twelve-month retention base and
    the all-channels acquisition costs (marketing spend, CAC and CAC payback,
    computed once in int_acquisition_costs_monthly). Each KPI is divided once, exactly (divide_round), from
    unrounded components, and rounded half-up at the end; a zero or absent
    denominator gives NULL. Composite KPIs (LTV, LTV:CAC) divide components
    kept at 12 decimals, far below the precision they are reported at.
#}
with mrr_bridge as (

    select
        date_month,
        starting_mrr,
        new_mrr,
        expansion_mrr,
        contraction_mrr,
        churned_mrr,
        voluntary_churned_mrr,
        involuntary_churned_mrr,
        reactivation_mrr,
        ending_mrr,
        paying_customers,
        new_customers,
        churned_customers,
        reactivated_customers
    from {{ ref('fct_mrr_monthly') }}

),

retention_12m as (

    select
        date_month,
        base_mrr,
        retained_mrr,
        capped_retained_mrr
    from {{ ref('int_mrr_retention_12m') }}

),

{# Spend is NULL (unknown) when the data holds no marketing spend at all, and
   CAC, payback and LTV:CAC with it. #}
acquisition_costs as (

    select
        date_month,
        marketing_spend,
        cac,
        cac_precise,
        cac_payback_months
    from {{ ref('int_acquisition_costs_monthly') }}
    where is_all_channels

),

{# The months form a contiguous spine, so the previous row is M-1; the first
    month has no M-1 (NULL). #}
with_previous_month as (

    select
        *,
        lag(paying_customers) over (order by date_month) as previous_paying_customers
    from mrr_bridge

),

precise_rates as (

    select
        *,
        {{ divide_round('ending_mrr', 'paying_customers', scale=12) }} as arpa_precise,
        {{ divide_round('churned_customers', 'previous_paying_customers', scale=12) }}
            as logo_churn_rate_precise
    from with_previous_month

),

{# LTV's churn: the mean of the logo churn rates of M-6..M-1 that exist. A
    month without a rate (before the data, or no paying customers at its M-1)
    is left out rather than counted as 0; NULL when none of the six has one. #}
trailing_churn as (

    select
        *,
        sum(logo_churn_rate_precise) over (
            order by date_month rows between 6 preceding and 1 preceding
        ) as trailing_churn_rate_sum,
        count(logo_churn_rate_precise) over (
            order by date_month rows between 6 preceding and 1 preceding
        ) as trailing_churn_rate_months
    from precise_rates

),

with_components as (

    select
        trailing_churn.*,
        acquisition_costs.marketing_spend,
        acquisition_costs.cac,
        acquisition_costs.cac_precise,
        acquisition_costs.cac_payback_months,
        retention_12m.base_mrr,
        retention_12m.retained_mrr,
        retention_12m.capped_retained_mrr,
        {{ divide_round(
            'trailing_churn.trailing_churn_rate_sum',
            'trailing_churn.trailing_churn_rate_months',
            scale=12,
            numerator_scale=12,
            denominator_scale=0,
        ) }} as avg_logo_churn_rate_precise
    from trailing_churn
    left join acquisition_costs
        on trailing_churn.date_month = acquisition_costs.date_month
    left join retention_12m
        on trailing_churn.date_month = retention_12m.date_month

),

with_unit_economics as (

    select
        *,
        {{ divide_round(
            'arpa_precise', 'avg_logo_churn_rate_precise', scale=12, numerator_scale=12, denominator_scale=12,
        ) }} as ltv_precise
    from with_components

),

final as (

    select
        date_month,
        cast(ending_mrr as {{ type_money() }}) as mrr,
        cast(12 * ending_mrr as {{ type_money() }}) as arr,
        cast(paying_customers as {{ dbt.type_int() }}) as paying_customers,
        cast({{ divide_round('ending_mrr', 'paying_customers', scale=2) }} as {{ type_money() }}) as arpa,
        cast(
            {{ divide_round('churned_customers', 'previous_paying_customers', scale=6) }} as {{ type_ratio() }}
        ) as logo_churn_rate,
        cast(
            {{ divide_round('-(churned_mrr + contraction_mrr)', 'starting_mrr', scale=6) }} as {{ type_ratio() }}
        ) as gross_mrr_churn_rate,
        cast(
            {{ divide_round(
                '-(churned_mrr + contraction_mrr + expansion_mrr + reactivation_mrr)', 'starting_mrr', scale=6,
            ) }} as {{ type_ratio() }}
        ) as net_mrr_churn_rate,
        cast(
            {{ divide_round(
                'starting_mrr + expansion_mrr + contraction_mrr + churned_mrr', 'starting_mrr', scale=6,
            ) }} as {{ type_ratio() }}
        ) as nrr_month,
        cast(
            {{ divide_round('starting_mrr + contraction_mrr + churned_mrr', 'starting_mrr', scale=6) }}
            as {{ type_ratio() }}
        ) as grr_month,
        cast({{ divide_round('retained_mrr', 'base_mrr', scale=6) }} as {{ type_ratio() }}) as nrr_12m,
        cast({{ divide_round('capped_retained_mrr', 'base_mrr', scale=6) }} as {{ type_ratio() }}) as grr_12m,
        cast(
            {{ divide_round('new_mrr + expansion_mrr', '-(contraction_mrr + churned_mrr)', scale=6) }}
            as {{ type_ratio() }}
        ) as quick_ratio,
        cast(
            {{ divide_round(
                'trailing_churn_rate_sum', 'trailing_churn_rate_months', scale=6, numerator_scale=12, denominator_scale=0,
            ) }} as {{ type_ratio() }}
        ) as avg_logo_churn_rate_6m,
        cast(
            {{ divide_round(
                'arpa_precise', 'avg_logo_churn_rate_precise', scale=2, numerator_scale=12, denominator_scale=12,
            ) }} as {{ type_money() }}
        ) as ltv,
        cast(marketing_spend as {{ type_money() }}) as marketing_spend,
        cast(new_mrr as {{ type_money() }}) as new_mrr,
        cac,
        cast(
            {{ divide_round('ltv_precise', 'cac_precise', scale=6, numerator_scale=12, denominator_scale=12) }}
            as {{ type_ratio() }}
        ) as ltv_to_cac,
        cac_payback_months,
        cast(voluntary_churned_mrr as {{ type_money() }}) as voluntary_churned_mrr,
        cast(involuntary_churned_mrr as {{ type_money() }}) as involuntary_churned_mrr,
        cast(new_customers as {{ dbt.type_int() }}) as new_customers,
        cast(churned_customers as {{ dbt.type_int() }}) as churned_customers,
        cast(reactivated_customers as {{ dbt.type_int() }}) as reactivated_customers
    from with_unit_economics

)

select * from final
