{#
    The one place of CAC, CAC payback and "spend unknown": per month and
    acquisition channel, plus one all-channels row per month (acquisition_channel
    'all', is_all_channels true) that sums the channel rows, the marketing spend in
    the reporting currency, the new customers (movement `new`) by the customer's
    acquisition channel ('unknown' when it has none), their new MRR, CAC and CAC
    payback. Every channel seen in customers or spend gets a row in every month.
    fct_acquisition_monthly publishes it; fct_saas_kpis_monthly reads its
    all-channels rows.
#}
{%- set gross_margin = "cast('" ~ setting('gross_margin') ~ "' as " ~ type_ratio() ~ ")" -%}

with months as (

    select date_month
    from {{ ref('util_months') }}

),

marketing_spend as (

    select
        date_month,
        acquisition_channel,
        marketing_spend
    from {{ ref('int_marketing_spend_monthly') }}

),

customers as (

    select
        customer_id,
        acquisition_channel
    from {{ ref('stg_billing__customers') }}

),

customer_mrr_movements as (

    select
        customer_id,
        movement_type,
        movement_mrr,
        date_month
    from {{ ref('int_customer_mrr_movements') }}

),

{# Without any marketing spend in the data (the optional table absent or
   empty) spend is unknown, not zero: CAC and payback are NULL. #}
spend_recorded as (

    select count(*) > 0 as has_marketing_spend
    from marketing_spend

),

customer_months as (

    select
        customer_id,
        cast(movement_mrr as {{ type_money() }}) as new_mrr,
        date_month
    from customer_mrr_movements
    where movement_type = 'new'

),

customer_channels as (

    select
        customer_id,
        coalesce(acquisition_channel, 'unknown') as acquisition_channel
    from customers

),

channels as (

    select acquisition_channel from customer_channels
    union
    select acquisition_channel from marketing_spend

),

new_customers_by_channel as (

    select
        customer_months.date_month,
        customer_channels.acquisition_channel,
        count(*) as new_customers,
        sum(customer_months.new_mrr) as new_mrr
    from customer_months
    inner join customer_channels
        on customer_months.customer_id = customer_channels.customer_id
    group by
        customer_months.date_month,
        customer_channels.acquisition_channel

),

channel_months as (

    select
        months.date_month,
        channels.acquisition_channel,
        false as is_all_channels,
        case
            when spend_recorded.has_marketing_spend then coalesce(marketing_spend.marketing_spend, 0)
        end as marketing_spend,
        coalesce(new_customers_by_channel.new_customers, 0) as new_customers,
        coalesce(new_customers_by_channel.new_mrr, 0) as new_mrr
    from months
    cross join channels
    cross join spend_recorded
    left join marketing_spend
        on
            months.date_month = marketing_spend.date_month
            and channels.acquisition_channel = marketing_spend.acquisition_channel
    left join new_customers_by_channel
        on
            months.date_month = new_customers_by_channel.date_month
            and channels.acquisition_channel = new_customers_by_channel.acquisition_channel

),

{# Built from the months, so a month without any channel still has its row. #}
all_channel_months as (

    select
        months.date_month,
        'all' as acquisition_channel,
        true as is_all_channels,
        case
            when max(spend_recorded.has_marketing_spend) then coalesce(sum(channel_months.marketing_spend), 0)
        end as marketing_spend,
        coalesce(sum(channel_months.new_customers), 0) as new_customers,
        coalesce(sum(channel_months.new_mrr), 0) as new_mrr
    from months
    cross join spend_recorded
    left join channel_months
        on months.date_month = channel_months.date_month
    group by months.date_month

),

acquisition_months as (

    select * from channel_months
    union all
    select * from all_channel_months

),

final as (

    select
        date_month,
        acquisition_channel,
        cast(marketing_spend as {{ type_money() }}) as marketing_spend,
        cast(new_customers as {{ dbt.type_int() }}) as new_customers,
        cast(new_mrr as {{ type_money() }}) as new_mrr,
        cast({{ divide_round('marketing_spend', 'new_customers', scale=2) }} as {{ type_money() }}) as cac,
        {# Unrounded for ratios built on CAC (LTV:CAC). #}
        {{ divide_round('marketing_spend', 'new_customers', scale=12) }} as cac_precise,
        {# CAC / ((new MRR / new customers) x gross margin) = spend / (new MRR x
            gross margin): the new customers cancel, so it is one exact division;
            NULL without new customers, as CAC is. #}
        cast(
            {{ divide_round('marketing_spend', 'new_mrr * ' ~ gross_margin, scale=6) }} as {{ type_ratio() }}
        ) as cac_payback_months,
        is_all_channels
    from acquisition_months

)

select * from final
