{#
    Reconciles the MRR engine with billing: every recurring invoice line
    (net of discount, before tax) against the MRR of its subscription's state at
    the start of the line's service period times the months of service one
    billing period covers. An annual invoice put into one month, a wrong
    normalisation factor or a discount applied twice shows here as a difference.
#}
with invoice_line_items as (

    select
        invoice_id,
        subscription_id,
        amount,
        discount_amount,
        service_period_start
    from {{ ref('stg_billing__invoice_line_items') }}
    where
        line_type = 'recurring'
        and subscription_id is not null

),

invoices as (

    select
        invoice_id,
        currency
    from {{ ref('stg_billing__invoices') }}
    where status not in ('draft', 'void')

),

subscription_states as (

    select
        subscription_id,
        currency,
        billing_interval_unit,
        billing_interval_count,
        mrr_local,
        valid_from,
        valid_to
    from {{ ref('int_subscription_states_valued') }}

),

months as (

    select date_month
    from {{ ref('util_months') }}

),

fx_rates as (

    select
        currency,
        rate_to_reporting,
        date_month
    from {{ ref('int_fx_rates_monthly') }}

),

recurring_lines as (

    select
        invoice_line_items.subscription_id,
        invoices.currency,
        cast(invoice_line_items.amount - invoice_line_items.discount_amount as decimal(38, 4)) as billed_local,
        cast({{ dbt.date_trunc('month', 'invoice_line_items.service_period_start') }} as date) as date_month,
        cast(
            {{ dbt.dateadd('day', 1, 'invoice_line_items.service_period_start') }} as {{ dbt.type_timestamp() }}
        ) as period_start_day_end
    from invoice_line_items
    inner join invoices
        on invoice_line_items.invoice_id = invoices.invoice_id

),

{# The state in effect at the end of the period's first day, as a month-end
   snapshot would see it. #}
lines_with_states as (

    select
        recurring_lines.currency,
        recurring_lines.billed_local,
        recurring_lines.date_month,
        subscription_states.currency as state_currency,
        subscription_states.mrr_local,
        subscription_states.billing_interval_unit,
        subscription_states.billing_interval_count
    from recurring_lines
    left join subscription_states
        on
            recurring_lines.subscription_id = subscription_states.subscription_id
            and recurring_lines.period_start_day_end > subscription_states.valid_from
            and (
                subscription_states.valid_to is null
                or recurring_lines.period_start_day_end <= subscription_states.valid_to
            )

),

{# MRR x the months one billing period covers (months_per_interval), one exact division. #}
{% set months = months_per_interval(
    'lines_with_states.billing_interval_unit', 'lines_with_states.billing_interval_count'
) %}
lines_valued as (

    select
        lines_with_states.date_month,
        lines_with_states.billed_local * billed_rates.rate_to_reporting as billed,
        {{ divide_round(
            '(lines_with_states.mrr_local) * ' ~ months.numerator,
            months.denominator,
            scale=4,
        ) }} * state_rates.rate_to_reporting as expected,
        coalesce(lines_with_states.mrr_local, 0) = 0 as is_without_mrr
    from lines_with_states
    left join fx_rates as billed_rates
        on
            lines_with_states.currency = billed_rates.currency
            and lines_with_states.date_month = billed_rates.date_month
    left join fx_rates as state_rates
        on
            lines_with_states.state_currency = state_rates.currency
            and lines_with_states.date_month = state_rates.date_month

),

monthly as (

    select
        date_month,
        count(*) as recurring_lines,
        sum(case when is_without_mrr then 1 else 0 end) as lines_without_mrr,
        round(sum(billed), 2) as billed_recurring,
        round(coalesce(sum(expected), 0), 2) as mrr_times_months_of_service
    from lines_valued
    group by date_month

),

final as (

    select
        months.date_month,
        cast(coalesce(monthly.recurring_lines, 0) as {{ dbt.type_int() }}) as recurring_lines,
        cast(coalesce(monthly.lines_without_mrr, 0) as {{ dbt.type_int() }}) as lines_without_mrr,
        cast(coalesce(monthly.billed_recurring, 0) as {{ type_money() }}) as billed_recurring,
        cast(coalesce(monthly.mrr_times_months_of_service, 0) as {{ type_money() }}) as mrr_times_months_of_service,
        cast(
            coalesce(monthly.billed_recurring, 0) - coalesce(monthly.mrr_times_months_of_service, 0)
            as {{ type_money() }}
        ) as difference,
        cast(
            {{ divide_round(
                'monthly.billed_recurring - monthly.mrr_times_months_of_service',
                'monthly.mrr_times_months_of_service',
                scale=6,
            ) }} as {{ type_ratio() }}
        ) as relative_difference
    from months
    left join monthly
        on months.date_month = monthly.date_month

)

select
    *,
    difference = 0
    or abs(relative_difference) <= {{ setting('mrr_reconciliation_tolerance') }} as is_within_tolerance
from final
