{#
    Each commitment term with the state it ends in (just before `ends_at`) and,
    for a renewal, the state the next term starts in (at `renewed_at`): plan,
    currency, quantity and the contracted annual price per unit (the unit price,
    negotiated or indexed, before temporary discounts, normalised to a year with
    one exact division), and that annual price in the reporting currency at the
    rate of the term's rate month, unrounded; a missing rate stops the build.
    `fct_contract_renewals` multiplies by the quantities and rounds.
#}
{%- set far_future = "cast('9999-12-31' as " ~ dbt.type_timestamp() ~ ")" -%}

with commitment_terms as (

    select
        subscription_id,
        term_number,
        outcome,
        term_start_at,
        term_end_at,
        renewed_at,
        ends_at,
        rate_month
    from {{ ref('int_commitment_terms') }}

),

subscription_states as (

    select
        subscription_id,
        plan_id,
        currency,
        billing_interval_unit,
        billing_interval_count,
        quantity,
        unit_price,
        valid_from,
        valid_to
    from {{ ref('int_subscription_states') }}

),

fx_rates as (

    select
        currency,
        rate_to_reporting,
        date_month
    from {{ ref('int_fx_rates_monthly') }}

),

{# The annual price per unit: 12 x the monthly-normalised unit price, one exact division. #}
priced_states as (

    select
        *,
        {{ monthly_normalised(
            'cast(unit_price as decimal(38, 4)) * 12',
            'billing_interval_unit',
            'billing_interval_count',
            scale=4,
        ) }} as annual_unit_price
    from subscription_states

),

terms_with_states as (

    select
        commitment_terms.subscription_id,
        commitment_terms.term_number,
        commitment_terms.outcome,
        before_states.plan_id as plan_id_before,
        after_states.plan_id as plan_id_after,
        before_states.currency as currency_before,
        after_states.currency as currency_after,
        before_states.quantity as quantity_before,
        after_states.quantity as quantity_after,
        before_states.annual_unit_price as annual_unit_price_before,
        after_states.annual_unit_price as annual_unit_price_after,
        commitment_terms.term_start_at,
        commitment_terms.term_end_at,
        commitment_terms.rate_month
    from commitment_terms
    inner join priced_states as before_states
        on
            commitment_terms.subscription_id = before_states.subscription_id
            and commitment_terms.ends_at > before_states.valid_from
            and commitment_terms.ends_at <= coalesce(before_states.valid_to, {{ far_future }})
    left join priced_states as after_states
        on
            commitment_terms.subscription_id = after_states.subscription_id
            and commitment_terms.renewed_at >= after_states.valid_from
            and commitment_terms.renewed_at < coalesce(after_states.valid_to, {{ far_future }})

),

{# Annual value per unit in the reporting currency, unrounded; a missing rate stops the build. #}
final as (

    select
        terms_with_states.*,
        {{ to_reporting_currency(
            'terms_with_states.annual_unit_price_before',
            'before_rates.rate_to_reporting',
            'terms_with_states.currency_before',
            "'the snapshot of month ' || cast(terms_with_states.rate_month as " ~ dbt.type_string() ~ ")",
            amount_scale=4,
        ) }} as annual_unit_value_before,
        case
            when terms_with_states.outcome = 'renewed'
                then {{ to_reporting_currency(
                    'terms_with_states.annual_unit_price_after',
                    'after_rates.rate_to_reporting',
                    'terms_with_states.currency_after',
                    "'the snapshot of month ' || cast(terms_with_states.rate_month as " ~ dbt.type_string() ~ ")",
                    amount_scale=4,
                ) }}
        end as annual_unit_value_after
    from terms_with_states
    left join fx_rates as before_rates
        on
            terms_with_states.currency_before = before_rates.currency
            and terms_with_states.rate_month = before_rates.date_month
    left join fx_rates as after_rates
        on
            terms_with_states.currency_after = after_rates.currency
            and terms_with_states.rate_month = after_rates.date_month

)

select * from final
