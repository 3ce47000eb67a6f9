{#
    The MRR bridge per month, segment dimension and segment value. Customer
    attributes (acquisition channel, country, from dim_customers) put each
    customer, with its whole movement, in one segment; subscription attributes
    (plan, product, business model, billing interval, currency) split it by the
    customer's subscriptions (int_customer_segment_mrr_movements). Either way the
    segments of a dimension add up exactly to fct_mrr_monthly in every month.
#}
{%- set customer_dimensions = {
    'acquisition_channel': 'customers.acquisition_channel',
    'country': 'customers.country_code',
} -%}

with customer_months as (

    select
        customer_id,
        previous_mrr,
        new_mrr,
        expansion_mrr,
        contraction_mrr,
        churned_mrr,
        reactivation_mrr,
        fx_impact_mrr,
        mrr,
        is_paying,
        date_month
    from {{ ref('fct_customer_mrr_monthly') }}

),

customers as (

    select
        customer_id,
        country_code,
        acquisition_channel
    from {{ ref('dim_customers') }}

),

customer_segment_months as (

    select
        segment_dimension,
        segment_value,
        starting_mrr,
        new_mrr,
        expansion_mrr,
        contraction_mrr,
        churned_mrr,
        reactivation_mrr,
        transfer_in_mrr,
        transfer_out_mrr,
        fx_impact_mrr,
        ending_mrr,
        is_paying,
        date_month
    from {{ ref('int_customer_segment_mrr_movements') }}

),

{# A customer attribute: the customer's row, in its one segment; nothing moves between segments. #}
segment_rows as (

    {% for dimension, expression in customer_dimensions.items() -%}
    select
        '{{ dimension }}' as segment_dimension,
        coalesce({{ expression }}, 'unknown') as segment_value,
        customer_months.previous_mrr as starting_mrr,
        customer_months.new_mrr,
        customer_months.expansion_mrr,
        customer_months.contraction_mrr,
        customer_months.churned_mrr,
        customer_months.reactivation_mrr,
        cast(0 as {{ type_money() }}) as transfer_in_mrr,
        cast(0 as {{ type_money() }}) as transfer_out_mrr,
        customer_months.fx_impact_mrr,
        customer_months.mrr as ending_mrr,
        customer_months.is_paying,
        customer_months.date_month
    from customer_months
    left join customers
        on customer_months.customer_id = customers.customer_id

    union all

    {% endfor -%}
    select
        segment_dimension,
        segment_value,
        starting_mrr,
        new_mrr,
        expansion_mrr,
        contraction_mrr,
        churned_mrr,
        reactivation_mrr,
        transfer_in_mrr,
        transfer_out_mrr,
        fx_impact_mrr,
        ending_mrr,
        is_paying,
        date_month
    from customer_segment_months

),

segment_totals as (

    select
        segment_dimension,
        segment_value,
        date_month,
        sum(starting_mrr) as starting_mrr,
        sum(new_mrr) as new_mrr,
        sum(expansion_mrr) as expansion_mrr,
        sum(contraction_mrr) as contraction_mrr,
        sum(churned_mrr) as churned_mrr,
        sum(reactivation_mrr) as reactivation_mrr,
        sum(transfer_in_mrr) as transfer_in_mrr,
        sum(transfer_out_mrr) as transfer_out_mrr,
        sum(fx_impact_mrr) as fx_impact_mrr,
        sum(ending_mrr) as ending_mrr,
        sum(case when is_paying then 1 else 0 end) as paying_customers
    from segment_rows
    group by
        segment_dimension,
        segment_value,
        date_month

),

final as (

    select
        segment_dimension,
        segment_value,
        cast(starting_mrr as {{ type_money() }}) as starting_mrr,
        cast(new_mrr as {{ type_money() }}) as new_mrr,
        cast(expansion_mrr as {{ type_money() }}) as expansion_mrr,
        cast(contraction_mrr as {{ type_money() }}) as contraction_mrr,
        cast(churned_mrr as {{ type_money() }}) as churned_mrr,
        cast(reactivation_mrr as {{ type_money() }}) as reactivation_mrr,
        cast(transfer_in_mrr as {{ type_money() }}) as transfer_in_mrr,
        cast(transfer_out_mrr as {{ type_money() }}) as transfer_out_mrr,
        cast(fx_impact_mrr as {{ type_money() }}) as fx_impact_mrr,
        cast(ending_mrr as {{ type_money() }}) as ending_mrr,
        cast(paying_customers as {{ dbt.type_int() }}) as paying_customers,
        date_month
    from segment_totals
    where
        starting_mrr <> 0
        or ending_mrr <> 0
        or new_mrr <> 0
        or expansion_mrr <> 0
        or contraction_mrr <> 0
        or churned_mrr <> 0
        or reactivation_mrr <> 0
        or transfer_in_mrr <> 0
        or transfer_out_mrr <> 0
        or fx_impact_mrr <> 0

)

select * from final
