{#
    The row's final verdict as `reject_column`, `reject_reason` and
    `reject_value`: `duplicate_key` (column: the key columns joined by `|`,
    value: `key_value`) where `is_duplicate_key`, otherwise the row-local
    `check_*` verdict.
#}
{% macro duplicate_key_verdict(key_columns, key_value) -%}
    case when is_duplicate_key then '{{ key_columns | join("|") }}' else check_column end as reject_column,
    case when is_duplicate_key then 'duplicate_key' else check_reason end as reject_reason,
    case when is_duplicate_key then {{ key_value }} else check_value end as reject_value
{%- endmacro %}
