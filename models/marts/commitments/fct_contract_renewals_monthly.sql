{#
    Renewals per month of term end (docs/conventions.md, "Commitment terms
    and renewals"): the terms due, how they ended, the ARR due and what renewed,
    and the renewal rates. Every month of util_months has a row.
#}
with months as (

    select date_month
    from {{ ref('util_months') }}

),

contract_renewals as (

    select
        outcome,
        arr_before,
        arr_after,
        price_change_arr,
        quantity_change_arr,
        term_end
    from {{ ref('fct_contract_renewals') }}

),

terms_due as (

    select
        cast({{ dbt.date_trunc('month', 'term_end') }} as date) as date_month,
        count(*) as terms_due,
        sum(case when outcome = 'renewed' then 1 else 0 end) as terms_renewed,
        sum(case when outcome = 'churned' then 1 else 0 end) as terms_churned,
        sum(case when outcome = 'pending' then 1 else 0 end) as terms_pending,
        sum(arr_before) as arr_due,
        sum(case when outcome = 'renewed' then arr_before else 0 end) as arr_renewed,
        sum(case when outcome = 'churned' then arr_before else 0 end) as arr_churned,
        sum(case when outcome = 'pending' then arr_before else 0 end) as arr_pending,
        sum(coalesce(price_change_arr, 0)) as price_change_arr,
        sum(coalesce(quantity_change_arr, 0)) as quantity_change_arr,
        sum(coalesce(arr_after, 0)) as arr_after_renewal
    from contract_renewals
    group by cast({{ dbt.date_trunc('month', 'term_end') }} as date)

),

final as (

    select
        months.date_month,
        cast(coalesce(terms_due.terms_due, 0) as {{ dbt.type_int() }}) as terms_due,
        cast(coalesce(terms_due.terms_renewed, 0) as {{ dbt.type_int() }}) as terms_renewed,
        cast(coalesce(terms_due.terms_churned, 0) as {{ dbt.type_int() }}) as terms_churned,
        cast(coalesce(terms_due.terms_pending, 0) as {{ dbt.type_int() }}) as terms_pending,
        cast(coalesce(terms_due.arr_due, 0) as {{ type_money() }}) as arr_due,
        cast(coalesce(terms_due.arr_renewed, 0) as {{ type_money() }}) as arr_renewed,
        cast(coalesce(terms_due.arr_churned, 0) as {{ type_money() }}) as arr_churned,
        cast(coalesce(terms_due.arr_pending, 0) as {{ type_money() }}) as arr_pending,
        cast(coalesce(terms_due.price_change_arr, 0) as {{ type_money() }}) as price_change_arr,
        cast(coalesce(terms_due.quantity_change_arr, 0) as {{ type_money() }}) as quantity_change_arr,
        cast(coalesce(terms_due.arr_after_renewal, 0) as {{ type_money() }}) as arr_after_renewal,
        cast(
            {{ divide_round('terms_due.terms_renewed', 'terms_due.terms_due', scale=6) }}
            as {{ type_ratio() }}
        ) as renewal_rate,
        cast(
            {{ divide_round('terms_due.arr_renewed', 'terms_due.arr_due', scale=6) }}
            as {{ type_ratio() }}
        ) as arr_renewal_rate,
        cast(
            {{ divide_round('terms_due.arr_after_renewal', 'terms_due.arr_due', scale=6) }}
            as {{ type_ratio() }}
        ) as net_arr_renewal_rate
    from months
    left join terms_due
        on months.date_month = terms_due.date_month

)

select * from final
