{#- Row-local checks, in docs/rejects.md order: the first that fails is the verdict. -#}
{%- set row_checks = [
    {'column': 'spend_date', 'reason': 'missing_value', 'when': 'spend_date_text is null'},
    {'column': 'spend_date', 'reason': 'unparseable_value', 'when': 'spend_date is null'},
    {'column': 'spend_date', 'reason': 'implausible_date', 'when': is_implausible_date('spend_date')},
    {'column': 'channel', 'reason': 'missing_value', 'when': 'channel is null'},
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
    {'column': 'currency', 'reason': 'missing_value', 'when': 'currency is null'},
] -%}

{#- The key as the checks below normalise it, on the raw columns (incremental runs). -#}
{%- set key_expressions = [
    parse_date(clean_text('spend_date')),
    'lower(' ~ clean_text('channel') ~ ')',
    'upper(' ~ clean_text('currency') ~ ')',
] -%}

with

raw_marketing_spend as (

    select
        spend_date,
        channel,
        amount,
        currency,
        _load_batch_id,
        _source_file,
        _source_row_number,
        _loaded_at
    from {{ billing_relation('marketing_spend') }}
    {%- if is_incremental() %}
    where {{ new_or_touched_rows(billing_relation('marketing_spend'), key_expressions) }}
    {%- endif %}

),

trimmed as (

    select
        _load_batch_id as load_batch_id,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _loaded_at as loaded_at,
        {{ clean_text('channel') }} as channel_text,
        {{ clean_text('currency') }} as currency_text,
        {{ clean_text('amount') }} as amount_text,
        {{ clean_text('spend_date') }} as spend_date_text
    from raw_marketing_spend

),

parsed as (

    select
        *,
        lower(channel_text) as channel,
        upper(currency_text) as currency,
        {{ parse_decimal('amount_text', type_amount()) }} as amount,
        {{ parse_date('spend_date_text') }} as spend_date,
        {{ dbt.concat([
            "coalesce(spend_date_text, '')",
            "'|'",
            "coalesce(channel_text, '')",
            "'|'",
            "coalesce(currency_text, '')",
        ]) }} as record_key
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
        {{ is_superseded(['spend_date', 'channel', 'currency']) }} as is_superseded
    from checked

),

duplicates_flagged as (

    select
        *,
        {{ is_duplicate_key(['spend_date', 'channel', 'currency']) }} as is_duplicate_key
    from batches_compared

),

verdicts as (

    select
        *,
        {{ duplicate_key_verdict(['spend_date', 'channel', 'currency'], 'record_key') }}
    from duplicates_flagged

),

final as (

    select
        channel,
        currency,
        amount,
        spend_date,
        record_key,
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
