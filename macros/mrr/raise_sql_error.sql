{#
    An expression that fails the query with `message` (a SQL string expression)
    when it is evaluated. Used where a silent NULL would be wrong, e.g. a
    missing FX rate: the build stops and names what is missing.
#}
{% macro raise_sql_error(message) -%}
    {{ return(adapter.dispatch('raise_sql_error', 'recurring_revenue')(message)) }}
{%- endmacro %}

{% macro default__raise_sql_error(message) -%}
    raise_error({{ message }})
{%- endmacro %}

{% macro duckdb__raise_sql_error(message) -%}
    error({{ message }})
{%- endmacro %}
