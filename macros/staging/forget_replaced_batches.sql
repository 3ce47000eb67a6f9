{#
    Pre-hook of the incremental typed copies: before an incremental run, delete
    the rows of batches the raw table no longer holds. A snapshot load replaces
    every raw table, so after one the copy keeps nothing of the batches it
    replaced and types the snapshot afresh; after a delta it deletes nothing.
    No-op on a full refresh, a first build and engines that build the copies as
    tables (docs/incremental.md).
#}
{% macro forget_replaced_batches() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where load_batch_id not in (
        select _load_batch_id
        from {{ billing_relation(this.identifier | replace('base_billing__', '')) }}
    )
    {%- endif -%}
{%- endmacro %}
