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
    {'column': 'due_at', 'reason': 'unparseable_value', 'when': 'due_at_text is not null and due_at is null'},
    {'column': 'due_at', 'reason': 'end_before_start', 'when': 'due_at < issued_at'},
] -%}

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
        _source_row_number
    from {{ source('billing', 'invoices') }}

),

trimmed as (

    select
        _load_batch_id as load_batch_id,
        _source_file as source_file,
        _source_row_number as source_row_number,
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

duplicates_flagged as (

    select
        *,
        check_reason is null
        and row_number() over (
            partition by invoice_id
            order by case when check_reason is null then 0 else 1 end, source_row_number
        ) > 1 as is_duplicate_key
    from checked

),

verdicts as (

    select
        *,
        case when is_duplicate_key then 'invoice_id' else check_column end as reject_column,
        case when is_duplicate_key then 'duplicate_key' else check_reason end as reject_reason,
        case when is_duplicate_key then invoice_id else check_value end as reject_value
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
        load_batch_id,
        source_file,
        source_row_number
    from verdicts

)

select * from final
