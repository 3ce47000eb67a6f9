{#- Row-local checks, in docs/rejects.md order: the first that fails is the verdict. -#}
{%- set row_checks = [
    {'column': 'spend_date', 'reason': 'missing_value', 'when': 'spend_date_text is null'},
    {'column': 'spend_date', 'reason': 'unparseable_value', 'when': 'spend_date is null'},
    {'column': 'channel', 'reason': 'missing_value', 'when': 'channel is null'},
    {'column': 'amount', 'reason': 'missing_value', 'when': 'amount_text is null'},
    {'column': 'amount', 'reason': 'unparseable_value', 'when': 'amount is null'},
    {'column': 'amount', 'reason': 'negative_amount', 'when': 'amount < 0'},
    {'column': 'currency', 'reason': 'missing_value', 'when': 'currency is null'},
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
        _source_row_number
    from {{ source('billing', 'marketing_spend') }}

),

trimmed as (

    select
        _load_batch_id as load_batch_id,
        _source_file as source_file,
        _source_row_number as source_row_number,
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

duplicates_flagged as (

    select
        *,
        check_reason is null
        and row_number() over (
            partition by spend_date, channel, currency
            order by case when check_reason is null then 0 else 1 end, source_row_number
        ) > 1 as is_duplicate_key
    from checked

),

verdicts as (

    select
        *,
        case when is_duplicate_key then 'spend_date|channel|currency' else check_column end as reject_column,
        case when is_duplicate_key then 'duplicate_key' else check_reason end as reject_reason,
        case when is_duplicate_key then record_key else check_value end as reject_value
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
        load_batch_id,
        source_file,
        source_row_number
    from verdicts

)

select * from final
