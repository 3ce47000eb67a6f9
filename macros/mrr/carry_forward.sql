{#
    The last non-NULL value of `expression` up to the current row, in
    `order_by` order within `partition_by`: the value carried forward over rows
    that leave it empty. All carry-forwards over the same partition and order
    share one window. Standard SQL's IGNORE NULLS, spelt per engine.
#}
{% macro carry_forward(expression, partition_by, order_by) -%}
    {{ return(adapter.dispatch('carry_forward', 'recurring_revenue')(expression, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__carry_forward(expression, partition_by, order_by) -%}
    last_value({{ expression }}) ignore nulls over (
        partition by {{ partition_by }}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    )
{%- endmacro %}

{% macro duckdb__carry_forward(expression, partition_by, order_by) -%}
    last_value({{ expression }} ignore nulls) over (
        partition by {{ partition_by }}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    )
{%- endmacro %}
