{#
    Each customer's MRR and movements per month and subscription segment (plan,
    product, business model, billing interval, currency), in cents that add up
    exactly to the customer's figures (models/docs/mrr_movements.md, "MRR by
    segment"):

    - ending MRR: the customer's subscriptions of the segment this month
      (fct_subscription_mrr_monthly, already allocated to add up to the customer);
    - starting MRR: the same last month;
    - FX impact: local MRR(M-1) x (rate(M) - rate(M-1)) per segment, allocated to
      the cent so that the segments add up to the customer's rounded FX impact;
    - the rest of the change, d, takes the customer's movement: new, reactivation
      and churn whole. For a customer who stays (expansion, contraction or
      unchanged), the customer's net change D is shared among the segments whose
      d has D's sign, in proportion to d, and the rest of each segment's d is a
      transfer: MRR that moved between segments of the same customer, in (> 0) or
      out (< 0), adding up to 0 over the customer's segments.

    Both allocations are the largest remainder method of fct_subscription_mrr_monthly
    (cut down to the cent, the cents left to the largest cut-off fractions, ties
    to the smaller segment value). The model reads the subscription and customer
    marts so that the subscription allocation and the movement are each defined once.

    For speed (docs/architecture.md, "Performance"): the subscriptions are summed once
    per customer, month and set of attributes before the fan-out to the five
    dimensions; a customer-month with one set (most) has one segment per dimension
    and takes that set's figures whole, which is what both allocations give one
    segment. Only the rest is summed by segment and goes through the windows.
#}
{%- set dimensions = {
    'plan': "coalesce(plan_id, 'unknown')",
    'product': "coalesce(product_name, 'unknown')",
    'business_model': "coalesce(business_model, 'unknown')",
    'billing_interval': "coalesce("
        ~ dbt.concat(["cast(billing_interval_count as " ~ dbt.type_string() ~ ")", "' '", "billing_interval_unit"])
        ~ ", 'unknown')",
    'currency': "coalesce(currency, 'unknown')",
} -%}

with subscription_months as (

    select
        customer_id,
        plan_id,
        business_model,
        currency,
        mrr_local,
        mrr,
        date_month
    from {{ ref('fct_subscription_mrr_monthly') }}

),

plans as (

    select
        plan_id,
        product_name,
        billing_interval_unit,
        billing_interval_count
    from {{ ref('dim_plans') }}

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

customer_months as (

    select
        customer_id,
        movement_type,
        fx_impact_mrr,
        date_month
    from {{ ref('fct_customer_mrr_monthly') }}

),

{# This month's MRR, and last month's MRR and its FX impact moved to this month. #}
subscription_frame as (

    select
        customer_id,
        plan_id,
        business_model,
        currency,
        mrr as ending_mrr,
        cast(0 as {{ type_money() }}) as starting_mrr,
        cast(0 as decimal(38, 14)) as fx_impact_unrounded,
        date_month
    from subscription_months

    union all

    select
        subscription_months.customer_id,
        subscription_months.plan_id,
        subscription_months.business_model,
        subscription_months.currency,
        cast(0 as {{ type_money() }}) as ending_mrr,
        subscription_months.mrr as starting_mrr,
        cast(
            subscription_months.mrr_local
            * (fx_rates.rate_to_reporting - fx_rates.previous_rate_to_reporting)
            as decimal(38, 14)
        ) as fx_impact_unrounded,
        months.date_month
    from subscription_months
    inner join months
        on subscription_months.date_month = months.previous_month
    left join fx_rates
        on
            subscription_months.currency = fx_rates.currency
            and months.date_month = fx_rates.date_month

),

{# One row per customer, month and set of subscription attributes (plan, business
    model, currency; the plan gives the product and the interval), only in the months
    the customer mart has: later months (after the as-of month) drop out. #}
attribute_months as (

    select
        subscription_frame.customer_id,
        subscription_frame.plan_id,
        subscription_frame.business_model,
        subscription_frame.currency,
        customer_months.movement_type,
        customer_months.fx_impact_mrr as customer_fx_impact_mrr,
        subscription_frame.date_month,
        sum(subscription_frame.starting_mrr) as starting_mrr,
        sum(subscription_frame.ending_mrr) as ending_mrr,
        sum(coalesce(subscription_frame.fx_impact_unrounded, 0)) as fx_impact_unrounded
    from subscription_frame
    inner join customer_months
        on
            subscription_frame.customer_id = customer_months.customer_id
            and subscription_frame.date_month = customer_months.date_month
    group by
        subscription_frame.customer_id,
        subscription_frame.plan_id,
        subscription_frame.business_model,
        subscription_frame.currency,
        customer_months.movement_type,
        customer_months.fx_impact_mrr,
        subscription_frame.date_month

),

attribute_months_with_plans as (

    select
        attribute_months.customer_id,
        attribute_months.plan_id,
        attribute_months.business_model,
        attribute_months.currency,
        attribute_months.movement_type,
        attribute_months.customer_fx_impact_mrr,
        attribute_months.date_month,
        attribute_months.starting_mrr,
        attribute_months.ending_mrr,
        attribute_months.fx_impact_unrounded,
        plans.product_name,
        plans.billing_interval_unit,
        plans.billing_interval_count,
        count(*) over (
            partition by attribute_months.customer_id, attribute_months.date_month
        ) as attribute_sets
    from attribute_months
    left join plans
        on attribute_months.plan_id = plans.plan_id

),

{# A customer-month with one set of attributes (the usual case) has one segment in
    every dimension, that set's figures. With two or more, each dimension sums the
    sets by its segment, and counts the segments it has. #}
segment_months as (

    {% for dimension, expression in dimensions.items() -%}
    select
        customer_id,
        '{{ dimension }}' as segment_dimension,
        {{ expression }} as segment_value,
        movement_type,
        customer_fx_impact_mrr,
        date_month,
        starting_mrr,
        ending_mrr,
        fx_impact_unrounded,
        cast(1 as {{ dbt.type_bigint() }}) as segments_in_dimension
    from attribute_months_with_plans
    where attribute_sets = 1

    union all

    {% endfor -%}
    select
        customer_id,
        segment_dimension,
        segment_value,
        movement_type,
        customer_fx_impact_mrr,
        date_month,
        starting_mrr,
        ending_mrr,
        fx_impact_unrounded,
        count(*) over (partition by customer_id, segment_dimension, date_month) as segments_in_dimension
    from (
        select
            customer_id,
            segment_dimension,
            segment_value,
            movement_type,
            customer_fx_impact_mrr,
            date_month,
            sum(starting_mrr) as starting_mrr,
            sum(ending_mrr) as ending_mrr,
            sum(fx_impact_unrounded) as fx_impact_unrounded
        from (
            {% for dimension, expression in dimensions.items() -%}
            select
                customer_id,
                '{{ dimension }}' as segment_dimension,
                {{ expression }} as segment_value,
                movement_type,
                customer_fx_impact_mrr,
                date_month,
                starting_mrr,
                ending_mrr,
                fx_impact_unrounded
            from attribute_months_with_plans
            where attribute_sets > 1
            {% if not loop.last %}
            union all
            {% endif %}
            {%- endfor %}
        ) as several_sets
        group by
            customer_id,
            segment_dimension,
            segment_value,
            movement_type,
            customer_fx_impact_mrr,
            date_month
    ) as several_sets_by_segment

),

{# With one segment in the customer's dimension and month, the segment takes the
    customer's figures whole: the allocations below would give it exactly that, so
    only the dimensions with two or more segments go through their windows. #}
partitioned as (

    select
        *,
        floor(fx_impact_unrounded * 100) as fx_floor_cents
    from segment_months

),

single_segment as (

    select
        customer_id,
        segment_dimension,
        segment_value,
        movement_type,
        starting_mrr,
        ending_mrr,
        date_month,
        cast(
            (
                fx_floor_cents
                + case when cast(customer_fx_impact_mrr * 100 as decimal(38, 0)) - fx_floor_cents >= 1 then 1 else 0 end
            ) * 0.01
            as {{ type_money() }}
        ) as fx_impact_mrr
    from partitioned
    where segments_in_dimension = 1

),

single_segment_amounts as (

    select
        customer_id,
        segment_dimension,
        segment_value,
        movement_type,
        starting_mrr,
        ending_mrr,
        fx_impact_mrr,
        cast(
            cast((ending_mrr - starting_mrr - fx_impact_mrr) * 100 as decimal(38, 0)) * 0.01
            as {{ type_money() }}
        ) as change_mrr,
        date_month
    from single_segment

),

{# Largest remainder, as for the subscriptions: every segment gets its FX impact
    cut down to the cent, and the cents that rounding the customer's total left
    go one each to the largest cut-off fractions (ties: the smaller segment value). #}
fx_cut_to_cents as (

    select
        *,
        fx_impact_unrounded * 100 - fx_floor_cents as fx_cut_off_fraction
    from partitioned
    where segments_in_dimension > 1

),

fx_ranked as (

    select
        *,
        row_number() over (
            partition by customer_id, segment_dimension, date_month
            order by fx_cut_off_fraction desc, segment_value asc
        ) as fx_remainder_rank,
        cast(customer_fx_impact_mrr * 100 as decimal(38, 0))
        - sum(fx_floor_cents) over (partition by customer_id, segment_dimension, date_month)
            as fx_remainder_cents
    from fx_cut_to_cents

),

with_change as (

    select
        customer_id,
        segment_dimension,
        segment_value,
        movement_type,
        starting_mrr,
        ending_mrr,
        date_month,
        {# Whole cents times 0.01: exact (a DECIMAL division is DOUBLE on DuckDB). #}
        cast(
            (fx_floor_cents + case when fx_remainder_rank <= fx_remainder_cents then 1 else 0 end) * 0.01
            as {{ type_money() }}
        ) as fx_impact_mrr
    from fx_ranked

),

{# The customer's net change D (in cents), and which segments moved in its direction. #}
net_side as (

    select
        *,
        cast((ending_mrr - starting_mrr - fx_impact_mrr) * 100 as decimal(38, 0)) as change_cents
    from with_change

),

net_side_flagged as (

    select
        *,
        sum(change_cents) over (partition by customer_id, segment_dimension, date_month) as net_change_cents
    from net_side

),

net_side_weighted as (

    select
        *,
        case
            when
                movement_type in ('expansion', 'contraction', 'unchanged')
                and ((net_change_cents > 0 and change_cents > 0) or (net_change_cents < 0 and change_cents < 0))
                then abs(change_cents)
            else 0
        end as net_side_weight
    from net_side_flagged

),

net_side_totals as (

    select
        *,
        sum(net_side_weight) over (partition by customer_id, segment_dimension, date_month) as net_side_total
    from net_side_weighted

),

{# Each segment on D's side gets |D| x its weight / the side's weight, cut down to
    the cent by exact integer division; the cents left go to the largest remainders. #}
net_side_cut_to_cents as (

    select
        *,
        case
            when net_side_total = 0 then 0
            else {{ integer_divide('abs(net_change_cents) * net_side_weight', 'net_side_total') }}
        end as share_floor_cents
    from net_side_totals

),

net_side_ranked as (

    select
        *,
        row_number() over (
            partition by customer_id, segment_dimension, date_month
            order by
                net_side_weight * abs(net_change_cents) - share_floor_cents * net_side_total desc,
                segment_value asc
        ) as share_remainder_rank,
        abs(net_change_cents)
        - sum(share_floor_cents) over (partition by customer_id, segment_dimension, date_month)
            as share_remainder_cents
    from net_side_cut_to_cents

),

net_side_signed as (

    select
        *,
        cast(
            case
                when net_side_weight = 0 then 0
                when share_remainder_rank <= share_remainder_cents then share_floor_cents + 1
                else share_floor_cents
            end
            * case when net_change_cents < 0 then -1 else 1 end
            as decimal(38, 0)
        ) as share_cents
    from net_side_ranked

),

with_amounts as (

    select
        customer_id,
        segment_dimension,
        segment_value,
        movement_type,
        starting_mrr,
        ending_mrr,
        fx_impact_mrr,
        cast(change_cents * 0.01 as {{ type_money() }}) as change_mrr,
        cast(share_cents * 0.01 as {{ type_money() }}) as net_share_mrr,
        date_month
    from net_side_signed

    union all

    {# One segment: a customer who stays has its whole change in it (no transfer). #}
    select
        customer_id,
        segment_dimension,
        segment_value,
        movement_type,
        starting_mrr,
        ending_mrr,
        fx_impact_mrr,
        change_mrr,
        cast(
            case when movement_type in ('expansion', 'contraction', 'unchanged') then change_mrr else 0 end
            as {{ type_money() }}
        ) as net_share_mrr,
        date_month
    from single_segment_amounts

),

final as (

    select
        customer_id,
        segment_dimension,
        segment_value,
        movement_type,
        cast(starting_mrr as {{ type_money() }}) as starting_mrr,
        cast(case when movement_type = 'new' then change_mrr else 0 end as {{ type_money() }}) as new_mrr,
        cast(case when movement_type = 'expansion' then net_share_mrr else 0 end as {{ type_money() }})
            as expansion_mrr,
        cast(case when movement_type = 'contraction' then net_share_mrr else 0 end as {{ type_money() }})
            as contraction_mrr,
        cast(case when movement_type = 'churn' then change_mrr else 0 end as {{ type_money() }}) as churned_mrr,
        cast(case when movement_type = 'reactivation' then change_mrr else 0 end as {{ type_money() }})
            as reactivation_mrr,
        cast(
            case
                when movement_type in ('expansion', 'contraction', 'unchanged') and change_mrr - net_share_mrr > 0
                    then change_mrr - net_share_mrr
                else 0
            end as {{ type_money() }}
        ) as transfer_in_mrr,
        cast(
            case
                when movement_type in ('expansion', 'contraction', 'unchanged') and change_mrr - net_share_mrr < 0
                    then change_mrr - net_share_mrr
                else 0
            end as {{ type_money() }}
        ) as transfer_out_mrr,
        cast(fx_impact_mrr as {{ type_money() }}) as fx_impact_mrr,
        cast(ending_mrr as {{ type_money() }}) as ending_mrr,
        date_month,
        ending_mrr > 0 as is_paying
    from with_amounts

)

select * from final
