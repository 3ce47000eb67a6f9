{#- Row-local checks, in docs/rejects.md order: the first that fails is the verdict. -#}
{%- set row_checks = [
    {'column': 'event_id', 'reason': 'missing_value', 'when': 'event_id is null'},
    {'column': 'subscription_id', 'reason': 'missing_value', 'when': 'subscription_id is null'},
    {'column': 'event_type', 'reason': 'missing_value', 'when': 'event_type is null'},
    {
        'column': 'event_type',
        'reason': 'unknown_enum_value',
        'when': "event_type not in ('trial_started', 'activated', 'plan_changed', 'quantity_changed', 'price_changed',
            'discount_changed', 'paused', 'resumed', 'cancellation_scheduled', 'cancellation_withdrawn', 'cancelled',
            'renewed')",
    },
    {'column': 'effective_at', 'reason': 'missing_value', 'when': 'effective_at_text is null'},
    {'column': 'effective_at', 'reason': 'unparseable_value', 'when': 'effective_at is null'},
    {'column': 'effective_at', 'reason': 'implausible_date', 'when': is_implausible_date('effective_at')},
    {'column': 'recorded_at', 'reason': 'missing_value', 'when': 'recorded_at_text is null'},
    {'column': 'recorded_at', 'reason': 'unparseable_value', 'when': 'recorded_at is null'},
    {'column': 'recorded_at', 'reason': 'implausible_date', 'when': is_implausible_date('recorded_at')},
    {
        'column': 'quantity',
        'reason': 'unparseable_value',
        'when': 'quantity_text is not null and not ' ~ is_decimal_text('quantity_text'),
    },
    {
        'column': 'quantity',
        'reason': 'out_of_range',
        'when': 'quantity_text is not null and (quantity is null or abs(quantity) >= ' ~ value_limit('quantity') ~ ')',
    },
    {'column': 'quantity', 'reason': 'negative_amount', 'when': 'quantity < 0'},
    {
        'column': 'unit_price',
        'reason': 'unparseable_value',
        'when': 'unit_price_text is not null and not ' ~ is_decimal_text('unit_price_text'),
    },
    {
        'column': 'unit_price',
        'reason': 'out_of_range',
        'when': 'unit_price_text is not null and (unit_price is null or abs(unit_price) >= ' ~ value_limit('unit_price') ~ ')',
    },
    {'column': 'unit_price', 'reason': 'negative_amount', 'when': 'unit_price < 0'},
    {
        'column': 'discount_percent',
        'reason': 'unparseable_value',
        'when': 'discount_percent_text is not null and not ' ~ is_decimal_text('discount_percent_text'),
    },
    {
        'column': 'discount_percent',
        'reason': 'out_of_range',
        'when': 'discount_percent_text is not null and discount_percent_number is null',
    },
    {
        'column': 'discount_percent',
        'reason': 'out_of_range',
        'when': 'discount_percent_number < 0 or discount_percent_number > 100',
    },
    {
        'column': 'discount_amount',
        'reason': 'unparseable_value',
        'when': 'discount_amount_text is not null and not ' ~ is_decimal_text('discount_amount_text'),
    },
    {
        'column': 'discount_amount',
        'reason': 'out_of_range',
        'when': 'discount_amount_text is not null and (discount_amount is null or abs(discount_amount) >= ' ~ value_limit('amount') ~ ')',
    },
    {'column': 'discount_amount', 'reason': 'negative_amount', 'when': 'discount_amount < 0'},
] -%}

{#- The key as the checks below normalise it, on the raw columns (incremental runs). -#}
{%- set key_expressions = [clean_text('event_id')] -%}

with

raw_subscription_events as (

    select
        event_id,
        subscription_id,
        event_type,
        effective_at,
        recorded_at,
        plan_id,
        quantity,
        unit_price,
        discount_percent,
        discount_amount,
        cancellation_reason,
        _load_batch_id,
        _source_file,
        _source_row_number,
        _loaded_at
    from {{ billing_relation('subscription_events') }}
    {%- if is_incremental() %}
    where {{ new_or_touched_rows(billing_relation('subscription_events'), key_expressions) }}
    {%- endif %}

),

trimmed as (

    select
        _load_batch_id as load_batch_id,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _loaded_at as loaded_at,
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('subscription_id') }} as subscription_id,
        {{ clean_text('event_type') }} as event_type_text,
        {{ clean_text('plan_id') }} as plan_id,
        {{ clean_text('cancellation_reason') }} as cancellation_reason_text,
        {{ clean_text('quantity') }} as quantity_text,
        {{ clean_text('unit_price') }} as unit_price_text,
        {{ clean_text('discount_percent') }} as discount_percent_text,
        {{ clean_text('discount_amount') }} as discount_amount_text,
        {{ clean_text('effective_at') }} as effective_at_text,
        {{ clean_text('recorded_at') }} as recorded_at_text
    from raw_subscription_events

),

parsed as (

    select
        *,
        lower(event_type_text) as event_type,
        {#- The two reasons the project reads are matched in any case; free text is kept as written. #}
        case
            when lower(cancellation_reason_text) in ('voluntary', 'non_payment') then lower(cancellation_reason_text)
            else cancellation_reason_text
        end as cancellation_reason,
        {{ parse_decimal('quantity_text', type_quantity()) }} as quantity,
        {{ parse_decimal('unit_price_text', type_amount()) }} as unit_price,
        {#- Parsed wider than a percent so that 250 is out of range, not unparseable. #}
        {{ parse_decimal('discount_percent_text', type_amount()) }} as discount_percent_number,
        {{ parse_decimal('discount_amount_text', type_amount()) }} as discount_amount,
        {{ parse_timestamp_utc('effective_at_text') }} as effective_at,
        {{ parse_timestamp_utc('recorded_at_text') }} as recorded_at
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
        {{ is_superseded(['event_id']) }} as is_superseded
    from checked

),

duplicates_flagged as (

    select
        *,
        {{ is_duplicate_key(['event_id']) }} as is_duplicate_key
    from batches_compared

),

verdicts as (

    select
        *,
        {{ duplicate_key_verdict(['event_id'], 'event_id') }}
    from duplicates_flagged

),

final as (

    select
        event_id,
        subscription_id,
        event_type,
        plan_id,
        cancellation_reason,
        quantity,
        unit_price,
        cast(
            case when discount_percent_number between 0 and 100 then discount_percent_number end
            as {{ type_percent() }}
        ) as discount_percent,
        discount_amount,
        effective_at,
        recorded_at,
        event_id as record_key,
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
