{#
    Incremental runs of the typed copies (docs/incremental.md): the raw rows to
    (re)type, as a condition on the raw table's rows. A row is taken when its
    batch is new (loaded after the latest batch the model holds) or when a new
    batch holds its key, because the new row can supersede it (latest batch
    wins) or meet it in the duplicate-key check. `key_expressions` are the key
    columns normalised exactly as the model normalises them (trimmed, cased,
    parsed), written on the raw columns; every row of a touched key is then in
    the run, so the batch and duplicate windows see whole keys.
#}
{% macro new_or_touched_rows(relation, key_expressions) -%}
    _loaded_at > {{ processed_until() }}
    or ({{ key_expressions | join(', ') }}) in (
        select {{ key_expressions | join(', ') }}
        from {{ relation }}
        where _loaded_at > {{ processed_until() }}
    )
{%- endmacro %}
