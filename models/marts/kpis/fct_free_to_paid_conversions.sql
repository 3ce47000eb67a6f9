{#
    Free-to-paid conversion by sign-up month (docs/conventions.md, "Monthly
    KPIs"): customers whose first plan was free, how many of them later became
    paying, the rate and the median days from the free plan's start to the first
    paying instant. No window: "later became paying" up to the as-of date (the
    trial window setting does not apply). The median is the middle value, or
    the mean of the two middle ones (median_of).
#}
with months as (

    select date_month
    from {{ ref('util_months') }}

),

free_customers as (

    select
        days_to_convert,
        is_converted,
        signup_month
    from {{ ref('int_customer_free_to_paid_conversions') }}

),

cohort_counts as (

    select
        signup_month,
        count(*) as free_customers,
        sum(case when is_converted then 1 else 0 end) as converted,
        {{ median_of('case when is_converted then days_to_convert end') }} as median_days_to_convert
    from free_customers
    group by signup_month

),

final as (

    select
        months.date_month as signup_month,
        cast(coalesce(cohort_counts.free_customers, 0) as {{ dbt.type_int() }}) as free_customers,
        cast(coalesce(cohort_counts.converted, 0) as {{ dbt.type_int() }}) as converted,
        cast(
            {{ divide_round('coalesce(cohort_counts.converted, 0)', 'cohort_counts.free_customers', scale=6) }}
            as {{ type_ratio() }}
        ) as conversion_rate,
        cohort_counts.median_days_to_convert
    from months
    left join cohort_counts
        on months.date_month = cohort_counts.signup_month

)

select * from final
