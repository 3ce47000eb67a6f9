{#- Row-local checks, in docs/rejects.md order: the first that fails is the verdict. -#}
{%- set row_checks = [
    {'column': 'currency', 'reason': 'missing_value', 'when': 'currency is null'},
    {'column': 'rate_date', 'reason': 'missing_value', 'when': 'rate_date_text is null'},
    {'column': 'rate_date', 'reason': 'unparseable_value', 'when': 'rate_date is null'},
    {'column': 'rate_date', 'reason': 'implausible_date', 'when': is_implausible_date('rate_date')},
    {'column': 'rate_to_reporting', 'reason': 'missing_value', 'when': 'rate_to_reporting_text is null'},
    {
        'column': 'rate_to_reporting',
        'reason': 'unparseable_value',
        'when': 'not ' ~ is_decimal_text('rate_to_reporting_text'),
    },
    {
        'column': 'rate_to_reporting',
        'reason': 'out_of_range',
        'when': 'rate_to_reporting is null',
    },
    {'column': 'rate_to_reporting', 'reason': 'out_of_range', 'when': 'rate_to_reporting <= 0'},
] -%}

{#- The key as the checks below normalise it, on the raw columns (incremental runs). -#}
{%- set key_expressions = ['upper(' ~ clean_text('currency') ~ ')', parse_date(clean_text('rate_date'))] -%}

with

raw_fx_rates as (

    select
        rate_date,
        currency,
        rate_to_reporting,
        _load_batch_id,
        _source_file,
        _source_row_number,
        _loaded_at
    from {{ billing_relation('fx_rates') }}
    {%- if is_incremental() %}
    where {{ new_or_touched_rows(billing_relation('fx_rates'), key_expressions) }}
    {%- endif %}

),

trimmed as (

    select
        _load_batch_id as load_batch_id,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _loaded_at as loaded_at,
        {{ clean_text('currency') }} as currency_text,
        {{ clean_text('rate_to_reporting') }} as rate_to_reporting_text,
        {{ clean_text('rate_date') }} as rate_date_text
    from raw_fx_rates

),

parsed as (

    select
        *,
        upper(currency_text) as currency,
        {{ parse_decimal('rate_to_reporting_text', type_rate()) }} as rate_to_reporting,
        {{ parse_date('rate_date_text') }} as rate_date,
        {{ dbt.concat(["coalesce(currency_text, '')", "'|'", "coalesce(rate_date_text, '')"]) }} as record_key
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
        {{ is_superseded(['currency', 'rate_date']) }} as is_superseded
    from checked

),

duplicates_flagged as (

    select
        *,
        {{ is_duplicate_key(['currency', 'rate_date']) }} as is_duplicate_key
    from batches_compared

),

verdicts as (

    select
        *,
        {{ duplicate_key_verdict(['currency', 'rate_date'], 'record_key') }}
    from duplicates_flagged

),

final as (

    select
        currency,
        rate_to_reporting,
        rate_date,
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
