{#
    True when trimmed text is written as a whole number (`12`, `-3`, `+7`),
    whatever its size: parse_integer gives NULL both for text that is not a whole
    number and for one too large for an integer, and the two are different
    rejects (`unparseable_value`, `out_of_range`).
#}
{% macro is_integer_text(text) -%}
    {{ return(adapter.dispatch('is_integer_text', 'recurring_revenue')(text)) }}
{%- endmacro %}

{% macro default__is_integer_text(text) -%}
    ({{ dbt.position("'.'", text) }} = 0 and {{ dbt.safe_cast(text, 'decimal(38, 0)') }} is not null)
{%- endmacro %}

{% macro duckdb__is_integer_text(text) -%}
    regexp_full_match({{ text }}, '[+-]?\d+')
{%- endmacro %}

{#
    Spark: its cast of `1e3` to a decimal succeeds, so the default would call
    `1e3` a whole number too large for an integer; the pattern, written for Spark.
#}
{% macro spark__is_integer_text(text) -%}
    ({{ text }} rlike '^[+-]?[0-9]+$')
{%- endmacro %}
