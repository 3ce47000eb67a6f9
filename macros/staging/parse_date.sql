{#
    `YYYY-MM-DD` text to a date; NULL for any other layout or an impossible date
    (`2024-02-30`). DuckDB's own cast also accepts `2024/03/01`, `2024-3-1` and
    a trailing time, which the contract does not allow, hence the pattern.
#}
{% macro parse_date(text) -%}
    {{ return(adapter.dispatch('parse_date', 'recurring_revenue')(text)) }}
{%- endmacro %}

{% macro default__parse_date(text) -%}
    case when {{ dbt.length(text) }} = 10 then {{ dbt.safe_cast(text, 'date') }} end
{%- endmacro %}

{% macro duckdb__parse_date(text) -%}
    case when regexp_full_match({{ text }}, '\d{4}-\d{2}-\d{2}') then try_cast({{ text }} as date) end
{%- endmacro %}

{#
    Spark: its cast also accepts `2024-3-1` and a trailing `T...`; the same
    pattern as DuckDB's, written for Spark (`[0-9]`: `\d` is lost in its strings).
#}
{% macro spark__parse_date(text) -%}
    case when {{ text }} rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then try_cast({{ text }} as date) end
{%- endmacro %}
