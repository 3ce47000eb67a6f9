{#
    One row per calendar month from the first month in the data to the as-of
    month, never later. Each month's MRR snapshot is taken at the end of its
    last day; for the as-of month, at the end of the as-of date. A state is in
    effect at the snapshot when valid_from < snapshot_at <= valid_to.
#}
with month_spine as (

    {{ dbt.date_spine(
        'month',
        "cast('" ~ setting('month_spine_start') ~ "' as date)",
        "cast('" ~ setting('month_spine_end') ~ "' as date)",
    ) }}

),

as_of as (

    select
        as_of_date,
        as_of_month
    from {{ ref('util_as_of_date') }}

),

subscription_events as (

    select effective_at from {{ ref('stg_billing__subscription_events') }}

),

customers as (

    select created_at from {{ ref('stg_billing__customers') }}

),

invoices as (

    select issued_at from {{ ref('stg_billing__invoices') }}

),

first_activity as (

    select min(first_at) as first_activity_at
    from (
        select min(effective_at) as first_at from subscription_events
        union all
        select min(created_at) as first_at from customers
        union all
        select min(issued_at) as first_at from invoices
    ) as firsts

),

months_in_range as (

    select
        cast(month_spine.date_month as date) as date_month,
        as_of.as_of_date,
        as_of.as_of_month
    from month_spine
    cross join as_of
    cross join first_activity
    where
        month_spine.date_month >= {{ dbt.date_trunc('month', 'first_activity.first_activity_at') }}
        and month_spine.date_month <= as_of.as_of_month

),

final as (

    select
        date_month,
        cast({{ dbt.dateadd('month', -1, 'date_month') }} as date) as previous_month,
        case
            when date_month = as_of_month then as_of_date
            else cast({{ dbt.last_day('date_month', 'month') }} as date)
        end as snapshot_date,
        {{ months_between("cast('2000-01-01' as date)", 'date_month') }} as month_index,
        date_month = as_of_month as is_as_of_month
    from months_in_range

)

select
    date_month,
    previous_month,
    snapshot_date,
    month_index,
    is_as_of_month,
    cast({{ dbt.dateadd('day', 1, 'snapshot_date') }} as {{ dbt.type_timestamp() }}) as snapshot_at
from final
