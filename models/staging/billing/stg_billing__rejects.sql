{#-
    Every unusable raw row with the first reason it fails (docs/rejects.md): the
    row-local verdict of its base model (checks and duplicate keys), else the
    first failing cross-table check below. The steps run parents before children,
    so a rejection cascades: a rejected customer orphans its subscriptions and
    invoices, which orphan their events, lines and payments.
-#}
{%- set reporting_currency = setting('reporting_currency') -%}

with

base_customers as (

    select
        customer_id,
        record_key,
        reject_column,
        reject_reason,
        reject_value,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__customers') }}
    {#- superseded rows are accounted for in stg_billing__superseded #}
    where not is_superseded

),

base_plans as (

    select
        plan_id,
        currency,
        record_key,
        reject_column,
        reject_reason,
        reject_value,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__plans') }}
    {#- superseded rows are accounted for in stg_billing__superseded #}
    where not is_superseded

),

base_subscriptions as (

    select
        subscription_id,
        customer_id,
        record_key,
        reject_column,
        reject_reason,
        reject_value,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__subscriptions') }}
    {#- superseded rows are accounted for in stg_billing__superseded #}
    where not is_superseded

),

base_subscription_events as (

    select
        subscription_id,
        event_type,
        plan_id,
        effective_at,
        record_key,
        reject_column,
        reject_reason,
        reject_value,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__subscription_events') }}
    {#- superseded rows are accounted for in stg_billing__superseded #}
    where not is_superseded

),

base_invoices as (

    select
        invoice_id,
        customer_id,
        currency,
        issued_at,
        record_key,
        reject_column,
        reject_reason,
        reject_value,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__invoices') }}
    {#- superseded rows are accounted for in stg_billing__superseded #}
    where not is_superseded

),

base_invoice_line_items as (

    select
        invoice_id,
        subscription_id,
        plan_id,
        record_key,
        reject_column,
        reject_reason,
        reject_value,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__invoice_line_items') }}
    {#- superseded rows are accounted for in stg_billing__superseded #}
    where not is_superseded

),

base_payments as (

    select
        invoice_id,
        currency,
        occurred_at,
        record_key,
        reject_column,
        reject_reason,
        reject_value,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__payments') }}
    {#- superseded rows are accounted for in stg_billing__superseded #}
    where not is_superseded

),

base_fx_rates as (

    select
        currency,
        rate_date,
        record_key,
        reject_column,
        reject_reason,
        reject_value,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__fx_rates') }}
    {#- superseded rows are accounted for in stg_billing__superseded #}
    where not is_superseded

),

base_marketing_spend as (

    select
        currency,
        spend_date,
        record_key,
        reject_column,
        reject_reason,
        reject_value,
        load_batch_id,
        source_file,
        source_row_number
    from {{ ref('base_billing__marketing_spend') }}
    {#- superseded rows are accounted for in stg_billing__superseded #}
    where not is_superseded

),

iso_currencies as (

    select currency_code
    from {{ ref('iso_currencies') }}

),

{# Step 1: FX rates. A rate counts only in a known currency. #}
fx_rates_checked as (

    select
        base_fx_rates.currency,
        base_fx_rates.rate_date,
        base_fx_rates.record_key,
        base_fx_rates.load_batch_id,
        base_fx_rates.source_file,
        base_fx_rates.source_row_number,
        {{ reject_verdict([
            {
                'column': 'currency',
                'reason': 'unknown_currency',
                'when': 'iso_currencies.currency_code is null',
                'value': 'base_fx_rates.currency',
            },
        ], prior='base_fx_rates') }}
    from base_fx_rates
    left join iso_currencies
        on base_fx_rates.currency = iso_currencies.currency_code

),

{#
    A row in currency C dated D has a usable rate when some staged rate of C is
    dated on or before D, that is when C's first staged rate date is <= D: one
    row per currency instead of a range join.
#}
fx_rate_first_dates as (

    select
        currency,
        min(rate_date) as first_rate_date
    from fx_rates_checked
    where reject_reason is null
    group by currency

),

{# Step 2: customers have no cross-table check. #}
staged_customers as (

    select customer_id
    from base_customers
    where reject_reason is null

),

{# Step 3: plans need a known currency with at least one rate (any date). #}
plans_checked as (

    select
        base_plans.plan_id,
        base_plans.record_key,
        base_plans.load_batch_id,
        base_plans.source_file,
        base_plans.source_row_number,
        {{ reject_verdict([
            {
                'column': 'currency',
                'reason': 'unknown_currency',
                'when': 'iso_currencies.currency_code is null',
                'value': 'base_plans.currency',
            },
            {
                'column': 'currency',
                'reason': 'missing_fx_rate',
                'when': "base_plans.currency <> '" ~ reporting_currency ~ "'
                    and fx_rate_first_dates.first_rate_date is null",
                'value': 'base_plans.currency',
            },
        ], prior='base_plans') }}
    from base_plans
    left join iso_currencies
        on base_plans.currency = iso_currencies.currency_code
    left join fx_rate_first_dates
        on base_plans.currency = fx_rate_first_dates.currency

),

staged_plans as (

    select plan_id
    from plans_checked
    where reject_reason is null

),

{# Step 4: subscriptions need a staged customer. #}
subscriptions_checked as (

    select
        base_subscriptions.subscription_id,
        base_subscriptions.record_key,
        base_subscriptions.load_batch_id,
        base_subscriptions.source_file,
        base_subscriptions.source_row_number,
        {{ reject_verdict([
            {
                'column': 'customer_id',
                'reason': 'orphan_reference',
                'when': 'staged_customers.customer_id is null',
                'value': 'base_subscriptions.customer_id',
            },
        ], prior='base_subscriptions') }}
    from base_subscriptions
    left join staged_customers
        on base_subscriptions.customer_id = staged_customers.customer_id

),

staged_subscriptions as (

    select subscription_id
    from subscriptions_checked
    where reject_reason is null

),

{# The start of each subscription: its first trial_started or activated event
    without a row-local problem (docs/rejects.md, "Events before the start"). #}
subscription_starts as (

    select
        subscription_id,
        min(effective_at) as first_start_at
    from base_subscription_events
    where
        reject_reason is null
        and event_type in ('trial_started', 'activated')
    group by subscription_id

),

{# Step 5: events need a staged subscription, and a staged plan when they name one;
    a cancellation cannot take effect before its subscription started. #}
subscription_events_checked as (

    select
        base_subscription_events.record_key,
        base_subscription_events.load_batch_id,
        base_subscription_events.source_file,
        base_subscription_events.source_row_number,
        {{ reject_verdict([
            {
                'column': 'subscription_id',
                'reason': 'orphan_reference',
                'when': 'staged_subscriptions.subscription_id is null',
                'value': 'base_subscription_events.subscription_id',
            },
            {
                'column': 'plan_id',
                'reason': 'orphan_reference',
                'when': 'base_subscription_events.plan_id is not null and staged_plans.plan_id is null',
                'value': 'base_subscription_events.plan_id',
            },
            {
                'column': 'effective_at',
                'reason': 'event_before_activation',
                'when': "base_subscription_events.event_type = 'cancelled'
                    and base_subscription_events.effective_at < subscription_starts.first_start_at",
                'value': 'cast(base_subscription_events.effective_at as ' ~ dbt.type_string() ~ ')',
            },
        ], prior='base_subscription_events') }}
    from base_subscription_events
    left join staged_subscriptions
        on base_subscription_events.subscription_id = staged_subscriptions.subscription_id
    left join staged_plans
        on base_subscription_events.plan_id = staged_plans.plan_id
    left join subscription_starts
        on base_subscription_events.subscription_id = subscription_starts.subscription_id

),

{# Step 6: invoices need a staged customer, a known currency and a rate on or before the issue date. #}
invoices_checked as (

    select
        base_invoices.invoice_id,
        base_invoices.record_key,
        base_invoices.load_batch_id,
        base_invoices.source_file,
        base_invoices.source_row_number,
        {{ reject_verdict([
            {
                'column': 'customer_id',
                'reason': 'orphan_reference',
                'when': 'staged_customers.customer_id is null',
                'value': 'base_invoices.customer_id',
            },
            {
                'column': 'currency',
                'reason': 'unknown_currency',
                'when': 'iso_currencies.currency_code is null',
                'value': 'base_invoices.currency',
            },
            {
                'column': 'currency',
                'reason': 'missing_fx_rate',
                'when': "base_invoices.currency <> '" ~ reporting_currency ~ "'
                    and (
                        fx_rate_first_dates.first_rate_date is null
                        or fx_rate_first_dates.first_rate_date > cast(base_invoices.issued_at as date)
                    )",
                'value': 'base_invoices.currency',
            },
        ], prior='base_invoices') }}
    from base_invoices
    left join staged_customers
        on base_invoices.customer_id = staged_customers.customer_id
    left join iso_currencies
        on base_invoices.currency = iso_currencies.currency_code
    left join fx_rate_first_dates
        on base_invoices.currency = fx_rate_first_dates.currency

),

staged_invoices as (

    select invoice_id
    from invoices_checked
    where reject_reason is null

),

{# Step 7: lines need a staged invoice, and a staged subscription and plan when they name them. #}
invoice_line_items_checked as (

    select
        base_invoice_line_items.record_key,
        base_invoice_line_items.load_batch_id,
        base_invoice_line_items.source_file,
        base_invoice_line_items.source_row_number,
        {{ reject_verdict([
            {
                'column': 'invoice_id',
                'reason': 'orphan_reference',
                'when': 'staged_invoices.invoice_id is null',
                'value': 'base_invoice_line_items.invoice_id',
            },
            {
                'column': 'subscription_id',
                'reason': 'orphan_reference',
                'when': 'base_invoice_line_items.subscription_id is not null
                    and staged_subscriptions.subscription_id is null',
                'value': 'base_invoice_line_items.subscription_id',
            },
            {
                'column': 'plan_id',
                'reason': 'orphan_reference',
                'when': 'base_invoice_line_items.plan_id is not null and staged_plans.plan_id is null',
                'value': 'base_invoice_line_items.plan_id',
            },
        ], prior='base_invoice_line_items') }}
    from base_invoice_line_items
    left join staged_invoices
        on base_invoice_line_items.invoice_id = staged_invoices.invoice_id
    left join staged_subscriptions
        on base_invoice_line_items.subscription_id = staged_subscriptions.subscription_id
    left join staged_plans
        on base_invoice_line_items.plan_id = staged_plans.plan_id

),

{# Step 8: payments need a staged invoice, a known currency and a rate on or before the payment date. #}
payments_checked as (

    select
        base_payments.record_key,
        base_payments.load_batch_id,
        base_payments.source_file,
        base_payments.source_row_number,
        {{ reject_verdict([
            {
                'column': 'invoice_id',
                'reason': 'orphan_reference',
                'when': 'staged_invoices.invoice_id is null',
                'value': 'base_payments.invoice_id',
            },
            {
                'column': 'currency',
                'reason': 'unknown_currency',
                'when': 'iso_currencies.currency_code is null',
                'value': 'base_payments.currency',
            },
            {
                'column': 'currency',
                'reason': 'missing_fx_rate',
                'when': "base_payments.currency <> '" ~ reporting_currency ~ "'
                    and (
                        fx_rate_first_dates.first_rate_date is null
                        or fx_rate_first_dates.first_rate_date > cast(base_payments.occurred_at as date)
                    )",
                'value': 'base_payments.currency',
            },
        ], prior='base_payments') }}
    from base_payments
    left join staged_invoices
        on base_payments.invoice_id = staged_invoices.invoice_id
    left join iso_currencies
        on base_payments.currency = iso_currencies.currency_code
    left join fx_rate_first_dates
        on base_payments.currency = fx_rate_first_dates.currency

),

{# Step 9: marketing spend needs a known currency and a rate on or before the spend date. #}
marketing_spend_checked as (

    select
        base_marketing_spend.record_key,
        base_marketing_spend.load_batch_id,
        base_marketing_spend.source_file,
        base_marketing_spend.source_row_number,
        {{ reject_verdict([
            {
                'column': 'currency',
                'reason': 'unknown_currency',
                'when': 'iso_currencies.currency_code is null',
                'value': 'base_marketing_spend.currency',
            },
            {
                'column': 'currency',
                'reason': 'missing_fx_rate',
                'when': "base_marketing_spend.currency <> '" ~ reporting_currency ~ "'
                    and (
                        fx_rate_first_dates.first_rate_date is null
                        or fx_rate_first_dates.first_rate_date > base_marketing_spend.spend_date
                    )",
                'value': 'base_marketing_spend.currency',
            },
        ], prior='base_marketing_spend') }}
    from base_marketing_spend
    left join iso_currencies
        on base_marketing_spend.currency = iso_currencies.currency_code
    left join fx_rate_first_dates
        on base_marketing_spend.currency = fx_rate_first_dates.currency

),

{# Step 10: the ledger, one row per rejected raw row. #}
rejects_unioned as (

    {%- set checked_relations = [
        ('customers', 'base_customers'),
        ('plans', 'plans_checked'),
        ('subscriptions', 'subscriptions_checked'),
        ('subscription_events', 'subscription_events_checked'),
        ('invoices', 'invoices_checked'),
        ('invoice_line_items', 'invoice_line_items_checked'),
        ('payments', 'payments_checked'),
        ('fx_rates', 'fx_rates_checked'),
        ('marketing_spend', 'marketing_spend_checked'),
    ] %}
    {%- for table_name, checked_relation in checked_relations %}
    select
        '{{ table_name }}' as table_name,
        record_key,
        source_file,
        source_row_number,
        load_batch_id,
        reject_column as column_name,
        reject_reason,
        reject_value as rejected_value
    from {{ checked_relation }}
    where reject_reason is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select
        table_name,
        record_key,
        source_file,
        source_row_number,
        load_batch_id,
        column_name,
        reject_reason,
        rejected_value
    from rejects_unioned

)

select * from final
