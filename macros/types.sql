{#
    The project's numeric types, one place. Money is always DECIMAL with an
    explicit scale: a bare DECIMAL is (18,3) on DuckDB.
#}
{% macro type_amount() %}decimal(18, 4){% endmacro %}

{% macro type_money() %}decimal(18, 2){% endmacro %}

{% macro type_rate() %}decimal(18, 8){% endmacro %}

{% macro type_ratio() %}decimal(18, 6){% endmacro %}

{% macro type_quantity() %}decimal(18, 4){% endmacro %}

{% macro type_percent() %}decimal(9, 4){% endmacro %}

{#
    Spark: the marts' contracts name text columns `varchar` (the released contracts
    do, and renaming a type is a breaking change for `rrw contracts`). Spark SQL has
    no length-less VARCHAR; its text type is STRING. dbt checks an enforced contract
    by casting NULL to each declared type (dbt's `cast` macro), so on Spark that
    cast reads a bare `varchar` / `text` as `string`; every other type is unchanged.
#}
{% macro spark__cast(field, type) -%}
    {%- set declared = type | string | trim | lower -%}
    cast({{ field }} as {{ 'string' if declared in ('varchar', 'text') else type }})
{%- endmacro %}
