{#
    Free-to-paid conversion by sign-up month (metric conventions, "Monthly
    KPIs"): customers whose first plan was free, how many of them later became
    paying, the rate and the median days from the free plan's start to the first
    paying instant. No window: "later became paying" up to the as-of date (the
    trial window setting does not apply). The median is portable: the middle
    row, or the mean of the two middle rows, by row_number and count.
#}
with months as (

    select date_month
    from {{ ref('util_months') }}

),

free_customers as (

    select
        customer_id,
        days_to_convert,
        is_converted,
        signup_month
    from {{ ref('int_customer_free_to_paid_conversions') }}

),

cohort_counts as (

    select
        signup_month,
        count(*) as free_customers,
        sum(case when is_converted then 1 else 0 end) as converted
    from free_customers
    group by signup_month

),

conversions_ranked as (

    select
        signup_month,
        days_to_convert,
        row_number() over (partition by signup_month order by days_to_convert, customer_id) as conversion_rank,
        count(*) over (partition by signup_month) as conversions
    from free_customers
    where is_converted

),

medians as (

    select
        signup_month,
        {{ divide_round('sum(days_to_convert)', 'count(*)', scale=1) }} as median_days_to_convert
    from conversions_ranked
    where 2 * conversion_rank between conversions and conversions + 2
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
        cast(medians.median_days_to_convert as decimal(18, 1)) as median_days_to_convert
    from months
    left join cohort_counts
        on months.date_month = cohort_counts.signup_month
    left join medians
        on months.date_month = medians.signup_month

)

select * from final
