{#
    Each customer's MRR per month in the reporting currency, with last month's
    MRR and the FX impact (docs/conventions.md, MRR 8 and 9): local MRR is
    summed per currency, converted at the month's snapshot rate and rounded
    half-up to cents once per customer and month;
    fx_impact = local MRR(M-1) x (rate(M) - rate(M-1)).
    Rows: every month a customer has a live subscription, plus the month after
    each of those (where last month's MRR lands), up to the as-of month.
#}
with subscription_months as (

    select
        customer_id,
        currency,
        status,
        list_mrr_local,
        mrr_local,
        is_free,
        date_month
    from {{ ref('int_subscription_mrr_monthly') }}

),

fx_rates as (

    select
        currency,
        rate_to_reporting,
        previous_rate_to_reporting,
        date_month
    from {{ ref('int_fx_rates_monthly') }}

),

months as (

    select
        date_month,
        previous_month
    from {{ ref('util_months') }}

),

customer_currency_months as (

    select
        customer_id,
        currency,
        date_month,
        sum(list_mrr_local) as list_mrr_local,
        sum(mrr_local) as mrr_local,
        max(case when status = 'trial' then 1 else 0 end) as has_trial,
        max(case when status = 'paused' then 1 else 0 end) as has_paused,
        max(case when status = 'past_due' then 1 else 0 end) as has_past_due,
        max(case when is_free then 1 else 0 end) as has_free
    from subscription_months
    group by
        customer_id,
        currency,
        date_month

),

{# The same rows seen from the following month: last month's local MRR. #}
following_months as (

    select
        customer_currency_months.customer_id,
        customer_currency_months.currency,
        customer_currency_months.mrr_local as previous_mrr_local,
        months.date_month
    from customer_currency_months
    inner join months
        on customer_currency_months.date_month = months.previous_month

),

currency_frame as (

    select
        customer_id,
        currency,
        list_mrr_local,
        mrr_local,
        cast(0 as {{ type_amount() }}) as previous_mrr_local,
        has_trial,
        has_paused,
        has_past_due,
        has_free,
        date_month
    from customer_currency_months

    union all

    select
        customer_id,
        currency,
        cast(0 as {{ type_amount() }}) as list_mrr_local,
        cast(0 as {{ type_amount() }}) as mrr_local,
        previous_mrr_local,
        0 as has_trial,
        0 as has_paused,
        0 as has_past_due,
        0 as has_free,
        date_month
    from following_months

),

currency_months as (

    select
        customer_id,
        currency,
        cast(sum(list_mrr_local) as decimal(38, 6)) as list_mrr_local,
        cast(sum(mrr_local) as decimal(38, 6)) as mrr_local,
        cast(sum(previous_mrr_local) as decimal(38, 6)) as previous_mrr_local,
        date_month,
        max(has_trial) as has_trial,
        max(has_paused) as has_paused,
        max(has_past_due) as has_past_due,
        max(has_free) as has_free
    from currency_frame
    group by
        customer_id,
        currency,
        date_month

),

{# A month that needs a rate and has none stops the build and says which. #}
converted as (

    select
        currency_months.customer_id,
        currency_months.has_trial,
        currency_months.has_paused,
        currency_months.has_past_due,
        currency_months.has_free,
        {{ to_reporting_currency(
            'currency_months.list_mrr_local',
            'fx_rates.rate_to_reporting',
            'currency_months.currency',
            "'the snapshot of month ' || cast(currency_months.date_month as " ~ dbt.type_string() ~ ")",
            needed='currency_months.mrr_local <> 0 or currency_months.list_mrr_local <> 0',
        ) }} as list_mrr_unrounded,
        currency_months.mrr_local * fx_rates.rate_to_reporting as mrr_unrounded,
        {{ to_reporting_currency(
            'currency_months.previous_mrr_local',
            'fx_rates.previous_rate_to_reporting',
            'currency_months.currency',
            "'the snapshot of the month before ' || cast(currency_months.date_month as " ~ dbt.type_string() ~ ")",
            needed='currency_months.previous_mrr_local <> 0',
        ) }} as previous_mrr_unrounded,
        currency_months.previous_mrr_local
        * (fx_rates.rate_to_reporting - fx_rates.previous_rate_to_reporting) as fx_impact_unrounded,
        currency_months.date_month
    from currency_months
    left join fx_rates
        on
            currency_months.currency = fx_rates.currency
            and currency_months.date_month = fx_rates.date_month

),

final as (

    select
        customer_id,
        cast(round(coalesce(sum(mrr_unrounded), 0), 2) as {{ type_money() }}) as mrr,
        cast(round(coalesce(sum(list_mrr_unrounded), 0), 2) as {{ type_money() }}) as list_mrr,
        cast(round(coalesce(sum(previous_mrr_unrounded), 0), 2) as {{ type_money() }}) as previous_mrr,
        cast(round(coalesce(sum(fx_impact_unrounded), 0), 2) as {{ type_money() }}) as fx_impact_mrr,
        date_month,
        max(has_trial) = 1 as has_trial,
        max(has_paused) = 1 as has_paused,
        max(has_past_due) = 1 as has_past_due,
        max(has_free) = 1 as has_free
    from converted
    group by
        customer_id,
        date_month

)

select * from final
