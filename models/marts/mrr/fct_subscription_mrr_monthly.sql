{#
    Each live subscription's MRR per month in the reporting currency, rounded to
    cents so that a customer's subscriptions add up exactly to the customer-month
    MRR (int_customer_mrr_monthly, rounded once per customer and month): every
    subscription gets its unrounded value cut down to the cent, and the cents that
    rounding the customer's total left over go one each to the subscriptions with
    the largest cut-off fractions (ties: the smaller subscription_id), the largest
    remainder method. Deterministic, and never more than a cent from the
    subscription's own unrounded value.
#}
with subscription_months as (

    select
        subscription_id,
        customer_id,
        plan_id,
        business_model,
        currency,
        status,
        mrr_local,
        date_month
    from {{ ref('int_subscription_mrr_monthly') }}

),

fx_rates as (

    select
        currency,
        rate_to_reporting,
        date_month
    from {{ ref('int_fx_rates_monthly') }}

),

customer_months as (

    select
        customer_id,
        mrr,
        date_month
    from {{ ref('int_customer_mrr_monthly') }}

),

converted as (

    select
        subscription_months.subscription_id,
        subscription_months.customer_id,
        subscription_months.plan_id,
        subscription_months.business_model,
        subscription_months.currency,
        subscription_months.status,
        subscription_months.mrr_local,
        {{ to_reporting_currency(
            'subscription_months.mrr_local',
            'fx_rates.rate_to_reporting',
            'subscription_months.currency',
            "'the snapshot of month ' || cast(subscription_months.date_month as " ~ dbt.type_string() ~ ")",
            needed='subscription_months.mrr_local <> 0',
        ) }} as mrr_unrounded,
        subscription_months.date_month
    from subscription_months
    left join fx_rates
        on
            subscription_months.currency = fx_rates.currency
            and subscription_months.date_month = fx_rates.date_month

),

cut_to_cents as (

    select
        subscription_id,
        customer_id,
        plan_id,
        business_model,
        currency,
        status,
        mrr_local,
        cast(floor(coalesce(mrr_unrounded, 0) * 100) as {{ dbt.type_bigint() }}) as floor_cents,
        coalesce(mrr_unrounded, 0) * 100
        - floor(coalesce(mrr_unrounded, 0) * 100) as cut_off_fraction,
        date_month
    from converted

),

ranked as (

    select
        subscription_id,
        customer_id,
        plan_id,
        business_model,
        currency,
        status,
        mrr_local,
        floor_cents,
        date_month,
        row_number() over (
            partition by customer_id, date_month
            order by cut_off_fraction desc, subscription_id asc
        ) as remainder_rank,
        {# The rank's own order with the whole partition as frame: one sort serves
           both windows (a window without ORDER BY costs a second one). #}
        sum(floor_cents) over (
            partition by customer_id, date_month
            order by cut_off_fraction desc, subscription_id asc
            rows between unbounded preceding and unbounded following
        ) as customer_floor_cents
    from cut_to_cents

),

{# The customer's rounded MRR in cents less the cut-down cents: the cents to hand out. #}
allocated as (

    select
        ranked.subscription_id,
        ranked.customer_id,
        ranked.plan_id,
        ranked.business_model,
        ranked.currency,
        ranked.status,
        ranked.mrr_local,
        ranked.date_month,
        ranked.floor_cents + case
            when
                ranked.remainder_rank
                <= cast(round(customer_months.mrr * 100) as {{ dbt.type_bigint() }})
                - ranked.customer_floor_cents
                then 1
            else 0
        end as mrr_cents
    from ranked
    inner join customer_months
        on
            ranked.customer_id = customer_months.customer_id
            and ranked.date_month = customer_months.date_month

),

final as (

    select
        subscription_id,
        customer_id,
        plan_id,
        business_model,
        currency,
        status,
        cast(mrr_local as decimal(18, 6)) as mrr_local,
        {# Whole cents times 0.01: exact (a DECIMAL division is DOUBLE on DuckDB). #}
        cast(cast(mrr_cents as decimal(18, 0)) * 0.01 as {{ type_money() }}) as mrr,
        date_month
    from allocated

)

select * from final
