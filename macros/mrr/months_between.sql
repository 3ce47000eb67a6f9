{#
    Whole calendar months from `start_month` to `end_month` (both first days of
    a month), as an integer: the month index arithmetic used for adjacency.
#}
{% macro months_between(start_month, end_month) -%}
    cast({{ dbt.datediff(start_month, end_month, 'month') }} as {{ dbt.type_int() }})
{%- endmacro %}
