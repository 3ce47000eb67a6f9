{#- Row-local checks, in docs/rejects.md order: the first that fails is the verdict. -#}
{%- set row_checks = [
    {'column': 'subscription_id', 'reason': 'missing_value', 'when': 'subscription_id is null'},
    {'column': 'customer_id', 'reason': 'missing_value', 'when': 'customer_id is null'},
    {'column': 'created_at', 'reason': 'missing_value', 'when': 'created_at_text is null'},
    {'column': 'created_at', 'reason': 'unparseable_value', 'when': 'created_at is null'},
    {'column': 'created_at', 'reason': 'implausible_date', 'when': is_implausible_date('created_at')},
    {
        'column': 'commitment_months',
        'reason': 'unparseable_value',
        'when': 'commitment_months_text is not null and not ' ~ is_integer_text('commitment_months_text'),
    },
    {
        'column': 'commitment_months',
        'reason': 'out_of_range',
        'when': 'commitment_months_text is not null and (commitment_months is null or abs(commitment_months) >= ' ~ value_limit('count') ~ ')',
    },
    {'column': 'commitment_months', 'reason': 'out_of_range', 'when': 'commitment_months < 1'},
    {
        'column': 'notice_period_days',
        'reason': 'unparseable_value',
        'when': 'notice_period_days_text is not null and not ' ~ is_integer_text('notice_period_days_text'),
    },
    {
        'column': 'notice_period_days',
        'reason': 'out_of_range',
        'when': 'notice_period_days_text is not null and (notice_period_days is null or abs(notice_period_days) >= ' ~ value_limit('count') ~ ')',
    },
    {'column': 'notice_period_days', 'reason': 'out_of_range', 'when': 'notice_period_days < 0'},
    {'column': 'auto_renew', 'reason': 'unparseable_value', 'when': 'auto_renew_text is not null and auto_renew is null'},
] -%}

{#- The key as the checks below normalise it, on the raw columns (incremental runs). -#}
{%- set key_expressions = [clean_text('subscription_id')] -%}

with

raw_subscriptions as (

    select
        subscription_id,
        customer_id,
        created_at,
        commitment_months,
        notice_period_days,
        auto_renew,
        _load_batch_id,
        _source_file,
        _source_row_number,
        _loaded_at
    from {{ billing_relation('subscriptions') }}
    {%- if is_incremental() %}
    where {{ new_or_touched_rows(billing_relation('subscriptions'), key_expressions) }}
    {%- endif %}

),

trimmed as (

    select
        _load_batch_id as load_batch_id,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _loaded_at as loaded_at,
        {{ clean_text('subscription_id') }} as subscription_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('created_at') }} as created_at_text,
        {{ clean_text('commitment_months') }} as commitment_months_text,
        {{ clean_text('notice_period_days') }} as notice_period_days_text,
        {{ clean_text('auto_renew') }} as auto_renew_text
    from raw_subscriptions

),

parsed as (

    select
        *,
        {{ parse_integer('commitment_months_text') }} as commitment_months,
        {{ parse_integer('notice_period_days_text') }} as notice_period_days,
        {{ parse_boolean('auto_renew_text') }} as auto_renew,
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
        {{ is_superseded(['subscription_id']) }} as is_superseded
    from checked

),

duplicates_flagged as (

    select
        *,
        {{ is_duplicate_key(['subscription_id']) }} as is_duplicate_key
    from batches_compared

),

verdicts as (

    select
        *,
        {{ duplicate_key_verdict(['subscription_id'], 'subscription_id') }}
    from duplicates_flagged

),

final as (

    select
        subscription_id,
        customer_id,
        created_at,
        commitment_months,
        notice_period_days,
        auto_renew,
        subscription_id as record_key,
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
