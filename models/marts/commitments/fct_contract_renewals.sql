{#
    Commitment terms and their renewals (docs/conventions.md, "Commitment terms
    and renewals"): a projection of int_commitment_terms_valued (the terms, their
    outcomes and the contracted annual price per unit before and after, in the
    reporting currency; built from int_commitment_terms and
    int_commitment_live_runs). Here: ARR before and after (quantity x annual
    value, rounded half-up to cents), its split into a price part (new quantity x
    the change of the annual value per unit) and a quantity part (old annual
    value per unit x the change of quantity), the indexation rate and the notice
    deadline; the after values only for a renewed term.
#}

with subscriptions as (

    select
        subscription_id,
        customer_id,
        commitment_months,
        notice_period_days,
        auto_renew
    from {{ ref('stg_billing__subscriptions') }}
    where commitment_months is not null

),

converted as (

    select
        subscription_id,
        term_number,
        outcome,
        plan_id_before,
        plan_id_after,
        currency_before,
        quantity_before,
        quantity_after,
        annual_unit_price_before,
        annual_unit_price_after,
        annual_unit_value_before,
        annual_unit_value_after,
        term_start_at,
        term_end_at
    from {{ ref('int_commitment_terms_valued') }}

),

final as (

    select
        converted.subscription_id,
        subscriptions.customer_id,
        converted.plan_id_before,
        case when converted.outcome = 'renewed' then converted.plan_id_after end as plan_id_after,
        converted.outcome,
        converted.currency_before as currency,
        cast(converted.term_number as {{ dbt.type_int() }}) as term_number,
        subscriptions.commitment_months,
        subscriptions.notice_period_days,
        cast(converted.quantity_before as {{ type_quantity() }}) as quantity_before,
        cast(
            case when converted.outcome = 'renewed' then converted.quantity_after end as {{ type_quantity() }}
        ) as quantity_after,
        cast(converted.annual_unit_price_before as {{ type_amount() }}) as annual_unit_price_before,
        cast(
            case when converted.outcome = 'renewed' then converted.annual_unit_price_after end
            as {{ type_amount() }}
        ) as annual_unit_price_after,
        cast(
            round(cast(converted.quantity_before as decimal(38, 4)) * converted.annual_unit_value_before, 2)
            as {{ type_money() }}
        ) as arr_before,
        cast(
            round(cast(converted.quantity_after as decimal(38, 4)) * converted.annual_unit_value_after, 2)
            as {{ type_money() }}
        ) as arr_after,
        cast(
            round(
                cast(converted.quantity_after as decimal(38, 4))
                * (converted.annual_unit_value_after - converted.annual_unit_value_before),
                2
            )
            as {{ type_money() }}
        ) as price_change_arr,
        cast(
            round(
                converted.annual_unit_value_before
                * (cast(converted.quantity_after as decimal(38, 4)) - converted.quantity_before),
                2
            )
            as {{ type_money() }}
        ) as quantity_change_arr,
        cast(
            {{ divide_round(
                'converted.annual_unit_value_after - converted.annual_unit_value_before',
                'converted.annual_unit_value_before',
                scale=6,
                numerator_scale=12,
                denominator_scale=12,
            ) }}
            as {{ type_ratio() }}
        ) as indexation_rate,
        subscriptions.auto_renew,
        cast(converted.term_start_at as date) as term_start,
        cast(converted.term_end_at as date) as term_end,
        cast(
            {{ dbt.dateadd('day', '-1 * subscriptions.notice_period_days', 'cast(converted.term_end_at as date)') }}
            as date
        ) as notice_deadline
    from converted
    inner join subscriptions
        on converted.subscription_id = subscriptions.subscription_id

)

select * from final
