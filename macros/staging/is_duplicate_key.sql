{#
    True for a row that passes its row-local checks but is not the first such
    row of its key: the deterministic dedup rule of docs/rejects.md (of the rows
    sharing a key, the first usable row by file position wins). Only the rows of
    the key's latest batch compete (`is_superseded` false, see is_superseded):
    a superseded row is never a duplicate. Reads the `check_reason`,
    `is_superseded` and `source_row_number` columns of the base models.
#}
{% macro is_duplicate_key(key_columns) -%}
    check_reason is null
    and not is_superseded
    and row_number() over (
        partition by {{ key_columns | join(', ') }}, is_superseded
        order by case when check_reason is null then 0 else 1 end, source_row_number
    ) > 1
{%- endmacro %}
