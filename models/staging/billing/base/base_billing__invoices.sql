{#- Row-local checks, in docs/rejects.md order: the first that fails is the verdict. -#}
{%- set row_checks = [
    {'column': 'invoice_id', 'reason': 'missing_value', 'when': 'invoice_id is null'},
    {'column': 'customer_id', 'reason': 'missing_value', 'when': 'customer_id is null'},
    {'column': 'currency', 'reason': 'missing_value', 'when': 'currency is null'},
    {'column': 'status', 'reason': 'missing_value', 'when': 'status is null'},
    {
        'column': 'status',
        'reason': 'unknown_enum_value',
        'when': "status not in ('draft', 'open', 'paid', 'void', 'uncollectible')",
    },
    {'column': 'issued_at', 'reason': 'missing_value', 'when': 'issued_at_text is null'},
    {'column': 'issued_at', 'reason': 'unparseable_value', 'when': 'issued_at is null'},
    {'column': 'issued_at', 'reason': 'implausible_date', 'when': is_implausible_date('issued_at')},
    {'column': 'due_at', 'reason': 'unparseable_value', 'when': 'due_at_text is not null and due_at is null'},
    {'column': 'due_at', 'reason': 'implausible_date', 'when': is_implausible_date('due_at')},
    {'column': 'due_at', 'reason': 'end_before_start', 'when': 'due_at < issued_at'},
] -%}

{#- The key as the checks below normalise it, on the raw columns (incremental runs). -#}
{%- set key_expressions = [clean_text('invoice_id')] -%}

with

raw_invoices as (

    select
        invoice_id,
        customer_id,
        currency,
        status,
        issued_at,
        due_at,
        _load_batch_id,
        _source_file,
        _source_row_number,
        _loaded_at
    from {{ billing_relation('invoices') }}
    {%- if is_incremental() %}
    where {{ new_or_touched_rows(billing_relation('invoices'), key_expressions) }}
    {%- endif %}

),

trimmed as (

    select
        _load_batch_id as load_batch_id,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _loaded_at as loaded_at,
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ clean_text('customer_id') }} as customer_id,
        upper({{ clean_text('currency') }}) as currency,
        {{ clean_text('status') }} as status_text,
        {{ clean_text('issued_at') }} as issued_at_text,
        {{ clean_text('due_at') }} as due_at_text
    from raw_invoices

),

parsed as (

    select
        *,
        lower(status_text) as status,
        {{ parse_timestamp_utc('issued_at_text') }} as issued_at,
        {{ parse_timestamp_utc('due_at_text') }} as due_at
    from trimmed

),

checked as (

    select
        *,
        {{ reject_verdict(row_checks, prefix='check') }}
    from parsed

),

{# A row whose key a later batch holds again is superseded (docs/incremental.md):
    neither staged nor rejected, and left out of the duplicate-key check. #}
batches_compared as (

    select
        *,
        {{ is_superseded(['invoice_id']) }} as is_superseded
    from checked

),

duplicates_flagged as (

    select
        *,
        {{ is_duplicate_key(['invoice_id']) }} as is_duplicate_key
    from batches_compared

),

verdicts as (

    select
        *,
        {{ duplicate_key_verdict(['invoice_id'], 'invoice_id') }}
    from duplicates_flagged

),

final as (

    select
        invoice_id,
        customer_id,
        currency,
        status,
        issued_at,
        due_at,
        invoice_id as record_key,
        reject_column,
        reject_reason,
        reject_value,
        is_superseded,
        load_batch_id,
        source_file,
        source_row_number,
        loaded_at
    from verdicts

)

select * from final
