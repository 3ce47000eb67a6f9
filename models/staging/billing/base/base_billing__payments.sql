{#- Row-local checks, in docs/rejects.md order: the first that fails is the verdict. -#}
{%- set row_checks = [
    {'column': 'payment_id', 'reason': 'missing_value', 'when': 'payment_id is null'},
    {'column': 'invoice_id', 'reason': 'missing_value', 'when': 'invoice_id is null'},
    {'column': 'payment_type', 'reason': 'missing_value', 'when': 'payment_type is null'},
    {'column': 'payment_type', 'reason': 'unknown_enum_value', 'when': "payment_type not in ('charge', 'refund')"},
    {'column': 'status', 'reason': 'missing_value', 'when': 'status is null'},
    {'column': 'status', 'reason': 'unknown_enum_value', 'when': "status not in ('succeeded', 'failed', 'pending')"},
    {'column': 'amount', 'reason': 'missing_value', 'when': 'amount_text is null'},
    {
        'column': 'amount',
        'reason': 'unparseable_value',
        'when': 'not ' ~ is_decimal_text('amount_text'),
    },
    {
        'column': 'amount',
        'reason': 'out_of_range',
        'when': 'amount is null or abs(amount) >= ' ~ value_limit('amount'),
    },
    {'column': 'amount', 'reason': 'negative_amount', 'when': 'amount < 0'},
    {'column': 'amount', 'reason': 'out_of_range', 'when': 'amount = 0'},
    {'column': 'currency', 'reason': 'missing_value', 'when': 'currency is null'},
    {'column': 'occurred_at', 'reason': 'missing_value', 'when': 'occurred_at_text is null'},
    {'column': 'occurred_at', 'reason': 'unparseable_value', 'when': 'occurred_at is null'},
    {'column': 'occurred_at', 'reason': 'implausible_date', 'when': is_implausible_date('occurred_at')},
] -%}

{#- The key as the checks below normalise it, on the raw columns (incremental runs). -#}
{%- set key_expressions = [clean_text('payment_id')] -%}

with

raw_payments as (

    select
        payment_id,
        invoice_id,
        payment_type,
        status,
        amount,
        currency,
        occurred_at,
        failure_reason,
        _load_batch_id,
        _source_file,
        _source_row_number,
        _loaded_at
    from {{ billing_relation('payments') }}
    {%- if is_incremental() %}
    where {{ new_or_touched_rows(billing_relation('payments'), key_expressions) }}
    {%- endif %}

),

trimmed as (

    select
        _load_batch_id as load_batch_id,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _loaded_at as loaded_at,
        {{ clean_text('payment_id') }} as payment_id,
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ clean_text('payment_type') }} as payment_type_text,
        {{ clean_text('status') }} as status_text,
        upper({{ clean_text('currency') }}) as currency,
        {{ clean_text('failure_reason') }} as failure_reason,
        {{ clean_text('amount') }} as amount_text,
        {{ clean_text('occurred_at') }} as occurred_at_text
    from raw_payments

),

parsed as (

    select
        *,
        lower(payment_type_text) as payment_type,
        lower(status_text) as status,
        {{ parse_decimal('amount_text', type_amount()) }} as amount,
        {{ parse_timestamp_utc('occurred_at_text') }} as occurred_at
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
        {{ is_superseded(['payment_id']) }} as is_superseded
    from checked

),

duplicates_flagged as (

    select
        *,
        {{ is_duplicate_key(['payment_id']) }} as is_duplicate_key
    from batches_compared

),

verdicts as (

    select
        *,
        {{ duplicate_key_verdict(['payment_id'], 'payment_id') }}
    from duplicates_flagged

),

final as (

    select
        payment_id,
        invoice_id,
        payment_type,
        status,
        currency,
        failure_reason,
        amount,
        occurred_at,
        payment_id as record_key,
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
