{#- Row-local checks, in docs/rejects.md order: the first that fails is the verdict. -#}
{%- set row_checks = [
    {'column': 'customer_id', 'reason': 'missing_value', 'when': 'customer_id is null'},
    {'column': 'created_at', 'reason': 'missing_value', 'when': 'created_at_text is null'},
    {'column': 'created_at', 'reason': 'unparseable_value', 'when': 'created_at is null'},
    {'column': 'created_at', 'reason': 'implausible_date', 'when': is_implausible_date('created_at')},
] -%}

{#- The key as the checks below normalise it, on the raw columns (incremental runs). -#}
{%- set key_expressions = [clean_text('customer_id')] -%}

with

raw_customers as (

    select
        customer_id,
        customer_name,
        email,
        country_code,
        acquisition_channel,
        created_at,
        _load_batch_id,
        _source_file,
        _source_row_number,
        _loaded_at
    from {{ billing_relation('customers') }}
    {%- if is_incremental() %}
    where {{ new_or_touched_rows(billing_relation('customers'), key_expressions) }}
    {%- endif %}

),

trimmed as (

    select
        _load_batch_id as load_batch_id,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _loaded_at as loaded_at,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('customer_name') }} as customer_name,
        {{ clean_text('email') }} as email,
        upper({{ clean_text('country_code') }}) as country_code,
        lower({{ clean_text('acquisition_channel') }}) as acquisition_channel,
        {{ clean_text('created_at') }} as created_at_text
    from raw_customers

),

parsed as (

    select
        *,
        {{ parse_timestamp_utc('created_at_text') }} as created_at
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
        {{ is_superseded(['customer_id']) }} as is_superseded
    from checked

),

duplicates_flagged as (

    select
        *,
        {{ is_duplicate_key(['customer_id']) }} as is_duplicate_key
    from batches_compared

),

verdicts as (

    select
        *,
        {{ duplicate_key_verdict(['customer_id'], 'customer_id') }}
    from duplicates_flagged

),

final as (

    select
        customer_id,
        customer_name,
        email,
        country_code,
        acquisition_channel,
        created_at,
        customer_id as record_key,
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
