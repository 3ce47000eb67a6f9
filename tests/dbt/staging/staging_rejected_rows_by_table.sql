{{ config(severity='warn') }}

{#-
    One row per raw table with rejected rows, so that `dbt build` warns whenever
    staging left rows out. The per-table counts and shares are logged at the end
    of the run (macro report_rejects); the ledger itself is stg_billing__rejects.
-#}

with

rejects as (

    select table_name
    from {{ ref('stg_billing__rejects') }}

),

final as (

    select
        table_name,
        count(*) as rejected_rows
    from rejects
    group by table_name

)

select * from final
