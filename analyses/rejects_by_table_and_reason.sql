{#
    Audit: what staging rejected, per raw table and reason, with the share of
    the table's rows and an example row to look at. Compile with
    `dbt compile --select rejects_by_table_and_reason` and run the SQL in
    target/compiled.
#}
with rejects as (

    select
        table_name,
        reject_reason,
        column_name,
        record_key,
        source_file,
        source_row_number
    from {{ ref('stg_billing__rejects') }}

),

load_log as (

    select
        table_name,
        row_count,
        loaded_at
    from {{ source('billing', '_load_log') }}

),

latest_load as (

    select max(loaded_at) as loaded_at
    from load_log

),

raw_rows as (

    select
        load_log.table_name,
        load_log.row_count
    from load_log
    inner join latest_load
        on load_log.loaded_at = latest_load.loaded_at

),

by_reason as (

    select
        table_name,
        reject_reason,
        count(*) as rejected_rows,
        min(column_name) as example_column,
        min(source_file) as source_file,
        min(source_row_number) as example_source_row_number
    from rejects
    group by
        table_name,
        reject_reason

),

final as (

    select
        by_reason.table_name,
        by_reason.reject_reason,
        by_reason.rejected_rows,
        raw_rows.row_count as raw_rows,
        by_reason.example_column,
        by_reason.source_file,
        by_reason.example_source_row_number,
        {{ divide_round('by_reason.rejected_rows', 'raw_rows.row_count', scale=4) }} as rejected_share
    from by_reason
    left join raw_rows
        on by_reason.table_name = raw_rows.table_name

)

select * from final
order by table_name asc, rejected_rows desc
