{#-
    One row per raw table whose rejected share exceeds the rejects_error_share setting:
    past that share the export is more likely broken than dirty, so the build
    fails (and skips everything downstream of staging) instead of reporting
    figures built on a fraction of the data. Each row names the table, its counts,
    the setting, the rejects relation holding the rows, and what to do.
-#}

{%- set raw_tables = [
    'customers',
    'plans',
    'subscriptions',
    'subscription_events',
    'invoices',
    'invoice_line_items',
    'payments',
    'fx_rates',
    'marketing_spend',
] %}

with

rejects as (

    select table_name
    from {{ ref('stg_billing__rejects') }}

),

{%- for raw_table in raw_tables %}

raw_{{ raw_table }} as (

    select count(*) as raw_rows
    from {{ billing_relation(raw_table) }}

),
{%- endfor %}

raw_rows_by_table as (

    {%- for raw_table in raw_tables %}
    select
        '{{ raw_table }}' as table_name,
        raw_rows
    from raw_{{ raw_table }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

rejected_rows_by_table as (

    select
        table_name,
        count(*) as rejected_rows
    from rejects
    group by table_name

),

final as (

    select
        raw_rows_by_table.table_name,
        raw_rows_by_table.raw_rows,
        rejected_rows_by_table.rejected_rows,
        {{ setting('rejects_error_share') }} as rejects_error_share,
        '{{ ref('stg_billing__rejects') }}' as rejects_relation,
        'raise rejects_error_share (--vars) only if the export is expected to be this dirty'
            as what_to_do
    from raw_rows_by_table
    inner join rejected_rows_by_table
        on raw_rows_by_table.table_name = rejected_rows_by_table.table_name
    where rejected_rows_by_table.rejected_rows > raw_rows_by_table.raw_rows * {{ setting('rejects_error_share') }}

)

select * from final
