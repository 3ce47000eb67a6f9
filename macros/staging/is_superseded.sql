{#
    True for a raw row whose key a later batch holds again (docs/incremental.md):
    of the rows sharing a key, only those of the latest batch (by `loaded_at`, the
    batch's load time) compete for it; the earlier ones are superseded. A row
    with a NULL key part is never superseded (it cannot be matched; it is
    rejected as `missing_value` or `unparseable_value`). False when every row
    lacks a load time (unit tests): one batch.
#}
{% macro is_superseded(key_columns) -%}
    coalesce(
        {% for column in key_columns -%}
        {{ column }} is not null and
        {% endfor -%}
        loaded_at < max(loaded_at) over (partition by {{ key_columns | join(', ') }}),
        false
    )
{%- endmacro %}
