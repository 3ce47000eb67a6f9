{#
    Raw rows = staged rows + rejected rows (+ superseded rows) for one raw table
    (docs/rejects.md, docs/incremental.md). Applied to a staged model: `raw` is
    the source table (with billing_source = stripe, the Stripe layer's model for
    `table_name` instead), `rejects` the ledger, `superseded` (optional) the rows
    a later batch superseded, and `table_name` the raw table's name in them.
    Fails with one row holding the counts when they do not add up.
#}
{% test raw_rows_reconcile(model, raw, rejects, table_name, superseded=none) %}

{#- With billing_source = stripe the raw table is the Stripe layer's model (billing_relation). #}
{%- set raw = billing_relation(table_name) if setting('billing_source') == 'stripe' else raw %}

with

raw_rows as (

    select count(*) as row_count
    from {{ raw }}

),

staged_rows as (

    select count(*) as row_count
    from {{ model }}

),

rejected_rows as (

    select count(*) as row_count
    from {{ rejects }}
    where table_name = '{{ table_name }}'

),

superseded_rows as (

    {% if superseded is not none -%}
    select count(*) as row_count
    from {{ superseded }}
    where table_name = '{{ table_name }}'
    {%- else -%}
    select 0 as row_count
    {%- endif %}

),

final as (

    select
        raw_rows.row_count as raw_row_count,
        staged_rows.row_count as staged_row_count,
        rejected_rows.row_count as rejected_row_count,
        superseded_rows.row_count as superseded_row_count
    from raw_rows
    cross join staged_rows
    cross join rejected_rows
    cross join superseded_rows
    where raw_rows.row_count
        <> staged_rows.row_count + rejected_rows.row_count + superseded_rows.row_count

)

select * from final

{% endtest %}
