{#
    `select <columns> from <the landed Stripe table>`, every column read as text
    (so the landed types, timestamps, integers or text, do not matter) under its
    own name. A column the table lacks reads as NULL; a table that does not exist
    (only optional ones get this far, require_stripe_source stops the build for
    the others) becomes an empty select with the same columns.
#}
{% macro stripe_columns(table_name, columns) %}
    {%- set relation = stripe_relation(table_name) -%}
    {%- set present = [] -%}
    {%- if relation is not none and execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    select
    {%- for column in columns %}
        {% if not execute or column in present -%}
            cast({{ adapter.quote(column) }} as {{ dbt.type_string() }})
        {%- else -%}
            cast(null as {{ dbt.type_string() }})
        {%- endif %} as {{ adapter.quote(column) if column in ['start', 'end'] else column }}
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
    {% if relation is none -%}
    from (select 1 as no_rows) as empty_table
    where 1 = 0
    {%- else -%}
    from {{ source('stripe', table_name) }}
    {%- endif %}
{% endmacro %}
