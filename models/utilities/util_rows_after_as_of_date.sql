{#
    Loaded rows dated after the as-of date, per table (docs/conventions.md, "The
    as-of date"). A derived as-of date is the last dated activity, so every count is
    0; an `as_of_date` setting before the end of the data leaves the later rows out
    of every month of the marts, and this report (and its warning test) says how many and from
    when, instead of dropping them without a word. Subscription events count by
    `recorded_at`: an event recorded in time that takes effect later (a scheduled
    cancellation) is not after the as-of date.
#}
with as_of as (

    select as_of_date
    from {{ ref('util_as_of_date') }}

),

{{ as_of_activity_ctes() }}

dated_rows as (

    {%- for source in as_of_activity_sources() %}
    select
        '{{ source.table }}' as table_name,
        '{{ source.column }}' as date_column,
        cast({{ source.column }} as date) as row_date
    from {{ source.table }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

tables as (

    {%- for source in as_of_activity_sources() %}
    select
        '{{ source.table }}' as table_name,
        '{{ source.column }}' as date_column
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

rows_after as (

    select
        dated_rows.table_name,
        count(*) as rows_after_as_of_date,
        min(dated_rows.row_date) as first_date_after,
        max(dated_rows.row_date) as last_date_after
    from dated_rows
    cross join as_of
    where dated_rows.row_date > as_of.as_of_date
    group by dated_rows.table_name

),

final as (

    select
        tables.table_name,
        tables.date_column,
        cast(coalesce(rows_after.rows_after_as_of_date, 0) as {{ dbt.type_bigint() }}) as rows_after_as_of_date,
        rows_after.first_date_after,
        rows_after.last_date_after
    from tables
    left join rows_after
        on tables.table_name = rows_after.table_name

)

select * from final
