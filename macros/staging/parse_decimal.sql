{#
    Plain decimal text (`12.50`, `-3`, `.5`) to `data_type` (one of the DECIMAL
    types in types.sql), cast straight from the text so it never passes through
    a binary float. NULL when the text is not a plain decimal number or does not
    fit the type. Digits beyond the type's scale are rounded half away from zero.

    DuckDB's own cast also accepts `1e3` and `1_000`; the spec's money is
    plain decimal notation, so those are rejected by the pattern.
#}
{% macro parse_decimal(text, data_type) -%}
    {{ return(adapter.dispatch('parse_decimal', 'recurring_revenue')(text, data_type)) }}
{%- endmacro %}

{% macro default__parse_decimal(text, data_type) -%}
    {{ dbt.safe_cast(text, data_type) }}
{%- endmacro %}

{% macro duckdb__parse_decimal(text, data_type) -%}
    case when regexp_full_match({{ text }}, '[+-]?(\d+(\.\d*)?|\.\d+)') then try_cast({{ text }} as {{ data_type }}) end
{%- endmacro %}

{#
    Spark: its cast reads `1e3` as 1000, so the text is checked with the same
    pattern first (`[0-9]`, not `\d`, inside a Spark SQL string).
#}
{% macro spark__parse_decimal(text, data_type) -%}
    case when {{ text }} rlike '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$' then try_cast({{ text }} as {{ data_type }}) end
{%- endmacro %}
