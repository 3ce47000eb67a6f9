with customer_mrr_movements as (

    select
        customer_id,
        movement_type,
        churn_type,
        customer_status,
        mrr,
        list_mrr,
        previous_mrr,
        fx_impact_mrr,
        movement_mrr,
        date_month
    from {{ ref('int_customer_mrr_movements') }}

),

final as (

    select
        customer_id,
        movement_type,
        churn_type,
        customer_status,
        mrr,
        list_mrr,
        cast(list_mrr - mrr as {{ type_money() }}) as discount_mrr,
        previous_mrr,
        cast(mrr - previous_mrr as {{ type_money() }}) as mrr_movement,
        cast(case when movement_type = 'new' then movement_mrr else 0 end as {{ type_money() }}) as new_mrr,
        cast(case when movement_type = 'expansion' then movement_mrr else 0 end as {{ type_money() }}) as expansion_mrr,
        cast(
            case when movement_type = 'contraction' then movement_mrr else 0 end as {{ type_money() }}
        ) as contraction_mrr,
        cast(case when movement_type = 'churn' then movement_mrr else 0 end as {{ type_money() }}) as churned_mrr,
        cast(
            case when movement_type = 'reactivation' then movement_mrr else 0 end as {{ type_money() }}
        ) as reactivation_mrr,
        fx_impact_mrr,
        mrr > 0 as is_paying,
        date_month
    from customer_mrr_movements

)

select * from final
