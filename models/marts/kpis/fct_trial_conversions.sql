{#
    Trial-to-paid conversion by the month the trial started (metric
    conventions, "Monthly KPIs"): trials started, how many of them later became
    paying (within trial_conversion_window_days when set), the rate and the
    median days to convert: the middle value, or the mean of the two middle
    ones (median_of).
#}
{%- set window_days = setting('trial_conversion_window_days') -%}
{%- set within_window = 'true' if window_days is none else 'days_to_convert <= ' ~ window_days -%}

with months as (

    select date_month
    from {{ ref('util_months') }}

),

trials as (

    select
        days_to_convert,
        is_converted,
        trial_month
    from {{ ref('int_subscription_trial_conversions') }}

),

trials_judged as (

    select
        days_to_convert,
        trial_month,
        is_converted and {{ within_window }} as is_counted
    from trials

),

cohort_counts as (

    select
        trial_month,
        count(*) as trials,
        sum(case when is_counted then 1 else 0 end) as converted,
        {{ median_of('case when is_counted then days_to_convert end') }} as median_days_to_convert
    from trials_judged
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
        cohort_counts.median_days_to_convert
    from months
    left join cohort_counts
        on months.date_month = cohort_counts.trial_month

)

select * from final
