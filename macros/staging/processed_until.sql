{#
    The load time of the latest batch an incremental typed copy holds (or a time
    before any load when it holds none).
#}
{% macro processed_until() -%}
    (select coalesce(max(loaded_at), cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})) from {{ this }})
{%- endmacro %}
