{#
    The renewal pipeline: contract terms ending within 90 days after the as-of
    date, with their notice deadlines and the ARR up for renewal. A view, so it
    always reads the current fct_contract_renewals.
#}
{{ config(materialized='view') }}

with contract_renewals as (

    select
        subscription_id,
        customer_id,
        term_number,
        outcome,
        currency,
        notice_period_days,
        quantity_before,
        annual_unit_price_before,
        arr_before,
        auto_renew,
        term_start,
        term_end,
        notice_deadline
    from {{ ref('fct_contract_renewals') }}

),

as_of as (

    select as_of_date
    from {{ ref('util_as_of_date') }}

),

final as (

    select
        contract_renewals.subscription_id,
        contract_renewals.customer_id,
        contract_renewals.outcome,
        contract_renewals.currency,
        contract_renewals.term_number,
        contract_renewals.notice_period_days,
        contract_renewals.quantity_before as quantity,
        contract_renewals.annual_unit_price_before as annual_unit_price,
        contract_renewals.arr_before as arr,
        cast(
            {{ dbt.datediff('as_of.as_of_date', 'contract_renewals.term_end', 'day') }}
            as {{ dbt.type_int() }}
        ) as days_until_term_end,
        cast(
            {{ dbt.datediff('as_of.as_of_date', 'contract_renewals.notice_deadline', 'day') }}
            as {{ dbt.type_int() }}
        ) as days_until_notice_deadline,
        contract_renewals.auto_renew,
        coalesce(contract_renewals.notice_deadline < as_of.as_of_date, false) as is_notice_deadline_passed,
        as_of.as_of_date,
        contract_renewals.term_start,
        contract_renewals.term_end,
        contract_renewals.notice_deadline
    from contract_renewals
    cross join as_of
    where
        contract_renewals.term_end > as_of.as_of_date
        and contract_renewals.term_end <= {{ dbt.dateadd('day', 90, 'as_of.as_of_date') }}

)

select * from final
