{#
    Trial-to-paid conversion by the month the trial started (metric
    conventions, "Monthly KPIs"): trials started, how many of them later became
    paying (within trial_conversion_window_days when set), the rate and the
    median days to convert. The median is portable: the middle row, or the mean
    of the two middle rows, by row_number and count.
#}
{%- set window_days = setting('trial_conversion_window_days') -%}
{%- set within_window = 'true' if window_days is none else 'days_to_convert <= ' ~ window_days -%}

with months as (

    select date_month
    from {{ ref('util_months') }}

),

trials as (

    select
        subscription_id,
        days_to_convert,
        is_converted,
        trial_month
    from {{ ref('int_subscription_trial_conversions') }}

),

trials_judged as (

    select
        subscription_id,
        days_to_convert,
        trial_month,
        is_converted and {{ within_window }} as is_counted
    from trials

),

cohort_counts as (

    select
        trial_month,
        count(*) as trials,
        sum(case when is_counted then 1 else 0 end) as converted
    from trials_judged
    group by trial_month

),

conversions_ranked as (

    select
        trial_month,
        days_to_convert,
        row_number() over (partition by trial_month order by days_to_convert, subscription_id) as conversion_rank,
        count(*) over (partition by trial_month) as conversions
    from trials_judged
    where is_counted

),

medians as (

    select
        trial_month,
        {{ divide_round('sum(days_to_convert)', 'count(*)', scale=1) }} as median_days_to_convert
    from conversions_ranked
    where 2 * conversion_rank between conversions and conversions + 2
    group by trial_month

),

final as (

    select
        months.date_month as trial_month,
        cast(coalesce(cohort_counts.trials, 0) as {{ dbt.type_int() }}) as trials,
        cast(coalesce(cohort_counts.converted, 0) as {{ dbt.type_int() }}) as converted,
        cast(
            {{ divide_round('coalesce(cohort_counts.converted, 0)', 'cohort_counts.trials', scale=6) }}
            as {{ type_ratio() }}
        ) as conversion_rate,
        cast(medians.median_days_to_convert as decimal(18, 1)) as median_days_to_convert
    from months
    left join cohort_counts
        on months.date_month = cohort_counts.trial_month
    left join medians
        on months.date_month = medians.trial_month

)

select * from final
