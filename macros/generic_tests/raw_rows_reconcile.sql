{#
    Raw rows = staged rows + rejected rows for one raw table (docs/rejects.md).
    Applied to a staged model: `raw` is the source table (with billing_source =
    stripe, the Stripe layer's model for `table_name` instead), `rejects` the
    ledger and `table_name` the raw table's name in it. Fails with one row holding the
    three counts when they do not add up.
#}
{% test raw_rows_reconcile(model, raw, rejects, table_name) %}

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

final as (

    select
        raw_rows.row_count as raw_row_count,
        staged_rows.row_count as staged_row_count,
        rejected_rows.row_count as rejected_row_count
    from raw_rows
    cross join staged_rows
    cross join rejected_rows
    where raw_rows.row_count <> staged_rows.row_count + rejected_rows.row_count

)

select * from final

{% endtest %}
