{#
    True when trimmed text is written as a plain decimal number (`12.50`, `-3`,
    `.5`), whatever its size: parse_decimal gives NULL both for text that is not a
    number and for a number too large for its type, and the two are different
    rejects (`unparseable_value`, `out_of_range`).
#}
{% macro is_decimal_text(text) -%}
    {{ return(adapter.dispatch('is_decimal_text', 'recurring_revenue')(text)) }}
{%- endmacro %}

{% macro default__is_decimal_text(text) -%}
    ({{ dbt.safe_cast(text, 'decimal(38, 8)') }} is not null)
{%- endmacro %}

{% macro duckdb__is_decimal_text(text) -%}
    regexp_full_match({{ text }}, '[+-]?(\d+(\.\d*)?|\.\d+)')
{%- endmacro %}

{#
    Spark: its cast accepts `1e3`, and a number too large for decimal(38, 8) casts
    to NULL (then it would be unparseable, not out of range); the pattern instead.
#}
{% macro spark__is_decimal_text(text) -%}
    ({{ text }} rlike '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$')
{%- endmacro %}
