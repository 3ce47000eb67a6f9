{#
    True when a parsed date or timestamp lies outside the window a billing record
    can have (docs/rejects.md, "Plausible dates"): before `month_spine_start` (the
    first month the warehouse can report), or more than `max_future_days` days
    after the row was loaded (`loaded_at`, the load batch's timestamp, stored with
    the row: the bound comes from the data, never from the clock of the build).
    NULL (not rejected) when the value or the load time is NULL.
#}
{% macro is_implausible_date(value, loaded_at='loaded_at') -%}
    (
        cast({{ value }} as {{ dbt.type_timestamp() }})
        < cast('{{ setting('month_spine_start') }}' as {{ dbt.type_timestamp() }})
        or cast({{ value }} as {{ dbt.type_timestamp() }})
        > {{ dbt.dateadd('day', setting('max_future_days'), loaded_at) }}
    )
{%- endmacro %}
