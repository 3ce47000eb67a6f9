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
