{#
    MetricFlow's daily time spine: one row per calendar day over a fixed range
    (the same bounds as the month spine), built with dbt's date_spine. The
    semantic layer joins to it for time-based metrics; the marts never read it.
#}
with day_spine as (

    {{ dbt.date_spine(
        'day',
        "cast('" ~ setting('month_spine_start') ~ "' as date)",
        "cast('" ~ setting('month_spine_end') ~ "' as date)",
    ) }}

),

final as (

    select cast(date_day as date) as date_day
    from day_spine

)

select * from final
