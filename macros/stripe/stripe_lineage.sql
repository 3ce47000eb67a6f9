{#
    The raw layer's lineage columns for a row of the raw export spec built from the landed Stripe
    table `table_name`: the batch (`stripe:<schema>`), the source table, a
    deterministic row number (by `order_by`, the Stripe id by default) and the load
    time (the table's last `_fivetran_synced`, NULL when the connector has none).
    Expects the table's `_fivetran_synced` column in scope (NULL-filled if absent).
#}
{% macro stripe_lineage(table_name, order_by='id', synced='_fivetran_synced') -%}
    cast('stripe:{{ setting('stripe_schema') }}' as {{ dbt.type_string() }}) as _load_batch_id,
        cast('stripe.{{ table_name }}' as {{ dbt.type_string() }}) as _source_file,
        cast(row_number() over (order by {{ order_by }}) as {{ dbt.type_bigint() }}) as _source_row_number,
        {% if synced -%}
        max(cast({{ synced }} as {{ dbt.type_timestamp() }})) over () as _loaded_at
        {%- else -%}
        cast(null as {{ dbt.type_timestamp() }}) as _loaded_at
        {%- endif %}
{%- endmacro %}
