{#- Row-local checks, in docs/rejects.md order: the first that fails is the verdict. -#}
{%- set row_checks = [
    {'column': 'line_item_id', 'reason': 'missing_value', 'when': 'line_item_id is null'},
    {'column': 'invoice_id', 'reason': 'missing_value', 'when': 'invoice_id is null'},
    {'column': 'line_type', 'reason': 'missing_value', 'when': 'line_type is null'},
    {
        'column': 'line_type',
        'reason': 'unknown_enum_value',
        'when': "line_type not in ('recurring', 'proration', 'one_time', 'usage', 'credit')",
    },
    {
        'column': 'service_period_start',
        'reason': 'unparseable_value',
        'when': 'service_period_start_text is not null and service_period_start is null',
    },
    {'column': 'service_period_start', 'reason': 'implausible_date', 'when': is_implausible_date('service_period_start')},
    {
        'column': 'service_period_start',
        'reason': 'missing_value',
        'when': "service_period_start_text is null and line_type <> 'one_time'",
    },
    {
        'column': 'service_period_end',
        'reason': 'unparseable_value',
        'when': 'service_period_end_text is not null and service_period_end is null',
    },
    {'column': 'service_period_end', 'reason': 'implausible_date', 'when': is_implausible_date('service_period_end')},
    {
        'column': 'service_period_end',
        'reason': 'missing_value',
        'when': "service_period_end_text is null and line_type <> 'one_time'",
    },
    {'column': 'service_period_end', 'reason': 'end_before_start', 'when': 'service_period_end <= service_period_start'},
    {
        'column': 'quantity',
        'reason': 'unparseable_value',
        'when': 'quantity_text is not null and not ' ~ is_decimal_text('quantity_text'),
    },
    {
        'column': 'quantity',
        'reason': 'out_of_range',
        'when': 'quantity_text is not null and (quantity is null or abs(quantity) >= ' ~ value_limit('line_quantity') ~ ')',
    },
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
    {'column': 'amount', 'reason': 'negative_amount', 'when': "amount < 0 and line_type <> 'credit' and line_type <> 'proration'"},
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
    {
        'column': 'tax_amount',
        'reason': 'unparseable_value',
        'when': 'tax_amount_text is not null and not ' ~ is_decimal_text('tax_amount_text'),
    },
    {
        'column': 'tax_amount',
        'reason': 'out_of_range',
        'when': 'tax_amount_text is not null and (tax_amount is null or abs(tax_amount) >= ' ~ value_limit('amount') ~ ')',
    },
    {'column': 'tax_amount', 'reason': 'negative_amount', 'when': 'tax_amount < 0'},
] -%}

{#- The key as the checks below normalise it, on the raw columns (incremental runs). -#}
{%- set key_expressions = [clean_text('line_item_id')] -%}

with

raw_invoice_line_items as (

    select
        line_item_id,
        invoice_id,
        subscription_id,
        plan_id,
        line_type,
        description,
        service_period_start,
        service_period_end,
        quantity,
        amount,
        discount_amount,
        tax_amount,
        _load_batch_id,
        _source_file,
        _source_row_number,
        _loaded_at
    from {{ billing_relation('invoice_line_items') }}
    {%- if is_incremental() %}
    where {{ new_or_touched_rows(billing_relation('invoice_line_items'), key_expressions) }}
    {%- endif %}

),

trimmed as (

    select
        _load_batch_id as load_batch_id,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _loaded_at as loaded_at,
        {{ clean_text('line_item_id') }} as line_item_id,
        {{ clean_text('invoice_id') }} as invoice_id,
        {{ clean_text('subscription_id') }} as subscription_id,
        {{ clean_text('plan_id') }} as plan_id,
        {{ clean_text('line_type') }} as line_type_text,
        {{ clean_text('description') }} as description,
        {{ clean_text('quantity') }} as quantity_text,
        {{ clean_text('amount') }} as amount_text,
        {{ clean_text('discount_amount') }} as discount_amount_text,
        {{ clean_text('tax_amount') }} as tax_amount_text,
        {{ clean_text('service_period_start') }} as service_period_start_text,
        {{ clean_text('service_period_end') }} as service_period_end_text
    from raw_invoice_line_items

),

parsed as (

    select
        *,
        lower(line_type_text) as line_type,
        {{ parse_decimal('quantity_text', type_quantity()) }} as quantity,
        {{ parse_decimal('amount_text', type_amount()) }} as amount,
        {#- An empty discount or tax is zero (docs/rejects.md). #}
        case
            when discount_amount_text is null then cast(0 as {{ type_amount() }})
            else {{ parse_decimal('discount_amount_text', type_amount()) }}
        end as discount_amount,
        case
            when tax_amount_text is null then cast(0 as {{ type_amount() }})
            else {{ parse_decimal('tax_amount_text', type_amount()) }}
        end as tax_amount,
        {{ parse_date('service_period_start_text') }} as service_period_start,
        {{ parse_date('service_period_end_text') }} as service_period_end
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
        {{ is_superseded(['line_item_id']) }} as is_superseded
    from checked

),

duplicates_flagged as (

    select
        *,
        {{ is_duplicate_key(['line_item_id']) }} as is_duplicate_key
    from batches_compared

),

verdicts as (

    select
        *,
        {{ duplicate_key_verdict(['line_item_id'], 'line_item_id') }}
    from duplicates_flagged

),

final as (

    select
        line_item_id,
        invoice_id,
        subscription_id,
        plan_id,
        line_type,
        description,
        quantity,
        amount,
        discount_amount,
        tax_amount,
        service_period_start,
        service_period_end,
        line_item_id as record_key,
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
