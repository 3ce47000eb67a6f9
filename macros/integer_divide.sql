{#
    Floor division of two non-negative whole numbers, exact. DuckDB's `//` on
    HUGEINT; Spark's `div`.
#}
{% macro integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_divide', 'recurring_revenue')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__integer_divide(numerator, denominator) -%}
    (cast({{ numerator }} as decimal(38, 0)) div cast({{ denominator }} as decimal(38, 0)))
{%- endmacro %}

{% macro duckdb__integer_divide(numerator, denominator) -%}
    (cast({{ numerator }} as hugeint) // cast({{ denominator }} as hugeint))
{%- endmacro %}
