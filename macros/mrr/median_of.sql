{#
    The median of a whole-number expression as an aggregate (NULLs ignored), as
    decimal(18, scale): the middle value, or the mean of the two middle ones,
    which for whole numbers is exact (n or n.5). DuckDB's `median`; the SQL
    standard's `percentile_cont` elsewhere (Spark 3.3+).
#}
{% macro median_of(expression, scale=1) -%}
    {{ return(adapter.dispatch('median_of', 'recurring_revenue')(expression, scale)) }}
{%- endmacro %}

{% macro default__median_of(expression, scale=1) -%}
    cast(percentile_cont(0.5) within group (order by {{ expression }}) as decimal(18, {{ scale }}))
{%- endmacro %}

{% macro duckdb__median_of(expression, scale=1) -%}
    cast(median({{ expression }}) as decimal(18, {{ scale }}))
{%- endmacro %}
