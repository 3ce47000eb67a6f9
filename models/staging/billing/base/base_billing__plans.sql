{#- Row-local checks, in docs/rejects.md order: the first that fails is the verdict. -#}
{%- set row_checks = [
    {'column': 'plan_id', 'reason': 'missing_value', 'when': 'plan_id is null'},
    {'column': 'business_model', 'reason': 'missing_value', 'when': 'business_model is null'},
    {
        'column': 'business_model',
        'reason': 'unknown_enum_value',
        'when': "business_model not in ('subscription', 'membership', 'freemium', 'contract', 'consumption')",
    },
    {'column': 'billing_interval_unit', 'reason': 'missing_value', 'when': 'billing_interval_unit is null'},
    {
        'column': 'billing_interval_unit',
        'reason': 'unknown_enum_value',
        'when': "billing_interval_unit not in ('day', 'week', 'month', 'year')",
    },
    {'column': 'billing_interval_count', 'reason': 'missing_value', 'when': 'billing_interval_count_text is null'},
    {
        'column': 'billing_interval_count',
        'reason': 'unparseable_value',
        'when': 'not ' ~ is_integer_text('billing_interval_count_text'),
    },
    {
        'column': 'billing_interval_count',
        'reason': 'out_of_range',
        'when': 'billing_interval_count is null or abs(billing_interval_count) >= ' ~ value_limit('count'),
    },
    {'column': 'billing_interval_count', 'reason': 'out_of_range', 'when': 'billing_interval_count < 1'},
    {'column': 'currency', 'reason': 'missing_value', 'when': 'currency is null'},
    {'column': 'unit_price', 'reason': 'missing_value', 'when': 'unit_price_text is null'},
    {
        'column': 'unit_price',
        'reason': 'unparseable_value',
        'when': 'not ' ~ is_decimal_text('unit_price_text'),
    },
    {
        'column': 'unit_price',
        'reason': 'out_of_range',
        'when': 'unit_price is null or abs(unit_price) >= ' ~ value_limit('unit_price'),
    },
    {'column': 'unit_price', 'reason': 'negative_amount', 'when': 'unit_price < 0'},
    {
        'column': 'trial_days',
        'reason': 'unparseable_value',
        'when': 'trial_days_text is not null and not ' ~ is_integer_text('trial_days_text'),
    },
    {
        'column': 'trial_days',
        'reason': 'out_of_range',
        'when': 'trial_days_text is not null and (trial_days is null or abs(trial_days) >= ' ~ value_limit('count') ~ ')',
    },
    {'column': 'trial_days', 'reason': 'out_of_range', 'when': 'trial_days < 0'},
] -%}

{#- The key as the checks below normalise it, on the raw columns (incremental runs). -#}
{%- set key_expressions = [clean_text('plan_id')] -%}

with

raw_plans as (

    select
        plan_id,
        plan_name,
        product_name,
        business_model,
        billing_interval_unit,
        billing_interval_count,
        currency,
        unit_price,
        trial_days,
        _load_batch_id,
        _source_file,
        _source_row_number,
        _loaded_at
    from {{ billing_relation('plans') }}
    {%- if is_incremental() %}
    where {{ new_or_touched_rows(billing_relation('plans'), key_expressions) }}
    {%- endif %}

),

trimmed as (

    select
        _load_batch_id as load_batch_id,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _loaded_at as loaded_at,
        {{ clean_text('plan_id') }} as plan_id,
        {{ clean_text('plan_name') }} as plan_name,
        {{ clean_text('product_name') }} as product_name,
        {{ clean_text('business_model') }} as business_model_text,
        {{ clean_text('billing_interval_unit') }} as billing_interval_unit_text,
        {{ clean_text('billing_interval_count') }} as billing_interval_count_text,
        upper({{ clean_text('currency') }}) as currency,
        {{ clean_text('unit_price') }} as unit_price_text,
        {{ clean_text('trial_days') }} as trial_days_text
    from raw_plans

),

parsed as (

    select
        *,
        lower(business_model_text) as business_model,
        lower(billing_interval_unit_text) as billing_interval_unit,
        {{ parse_integer('billing_interval_count_text') }} as billing_interval_count,
        {{ parse_decimal('unit_price_text', type_amount()) }} as unit_price,
        {{ parse_integer('trial_days_text') }} as trial_days
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
        {{ is_superseded(['plan_id']) }} as is_superseded
    from checked

),

duplicates_flagged as (

    select
        *,
        {{ is_duplicate_key(['plan_id']) }} as is_duplicate_key
    from batches_compared

),

verdicts as (

    select
        *,
        {{ duplicate_key_verdict(['plan_id'], 'plan_id') }}
    from duplicates_flagged

),

final as (

    select
        plan_id,
        plan_name,
        product_name,
        business_model,
        billing_interval_unit,
        billing_interval_count,
        currency,
        unit_price,
        trial_days,
        plan_id as record_key,
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
