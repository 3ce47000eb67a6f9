{#
    Whole-number text (`12`, `-3`, `+7`) to an integer; NULL for anything else,
    including `1.5`, `1.0`, `1e3` and values that overflow.

    DuckDB's cast rounds `1.5` to 2 and accepts `0x10` and `1_000`, hence the
    pattern. Default: no decimal point allowed, then the adapter's safe cast.
#}
{% macro parse_integer(text) -%}
    {{ return(adapter.dispatch('parse_integer', 'recurring_revenue')(text)) }}
{%- endmacro %}

{% macro default__parse_integer(text) -%}
    case when {{ dbt.position("'.'", text) }} = 0 then {{ dbt.safe_cast(text, dbt.type_int()) }} end
{%- endmacro %}

{% macro duckdb__parse_integer(text) -%}
    case when regexp_full_match({{ text }}, '[+-]?\d+') then try_cast({{ text }} as {{ dbt.type_int() }}) end
{%- endmacro %}

{#
    Spark: outside ANSI mode its cast truncates `1.5` to 1 and trims spaces; the
    same pattern as DuckDB's, written for Spark.
#}
{% macro spark__parse_integer(text) -%}
    case when {{ text }} rlike '^[+-]?[0-9]+$' then try_cast({{ text }} as {{ dbt.type_int() }}) end
{%- endmacro %}
