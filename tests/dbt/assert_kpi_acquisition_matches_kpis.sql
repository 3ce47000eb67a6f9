{#
    Cross-mart: per month, the all-channels acquisition row is the sum of the
    channel rows (spend, new customers, new MRR), and its spend, new customers
    and new MRR are the KPI mart's. Returns the months that differ.
    Both marts read CAC and spend from int_acquisition_costs_monthly, so the
    spend comparison holds by construction; the new customers and new MRR
    (counted from customer movements there, from the MRR bridge in the KPI
    mart) are what this test ties together: the KPI mart's CAC divides by them.
#}
with acquisition as (

    select
        date_month,
        marketing_spend,
        new_customers,
        new_mrr,
        is_all_channels
    from {{ ref('fct_acquisition_monthly') }}

),

kpis as (

    select
        date_month,
        marketing_spend,
        new_customers,
        new_mrr
    from {{ ref('fct_saas_kpis_monthly') }}

),

acquisition_by_month as (

    select
        date_month,
        sum(case when is_all_channels then marketing_spend else 0 end) as all_spend,
        sum(case when is_all_channels then new_customers else 0 end) as all_new_customers,
        sum(case when is_all_channels then new_mrr else 0 end) as all_new_mrr,
        sum(case when not is_all_channels then marketing_spend else 0 end) as channel_spend,
        sum(case when not is_all_channels then new_customers else 0 end) as channel_new_customers,
        sum(case when not is_all_channels then new_mrr else 0 end) as channel_new_mrr,
        sum(case when is_all_channels then 1 else 0 end) as all_rows
    from acquisition
    group by date_month

)

select
    kpis.marketing_spend,
    acquisition_by_month.all_spend,
    acquisition_by_month.channel_spend,
    kpis.new_customers,
    acquisition_by_month.all_new_customers,
    acquisition_by_month.channel_new_customers,
    coalesce(kpis.date_month, acquisition_by_month.date_month) as date_month
from kpis
full outer join acquisition_by_month
    on kpis.date_month = acquisition_by_month.date_month
where
    kpis.date_month is null
    or acquisition_by_month.date_month is null
    or acquisition_by_month.all_rows <> 1
    or kpis.marketing_spend <> acquisition_by_month.all_spend
    or acquisition_by_month.all_spend <> acquisition_by_month.channel_spend
    or kpis.new_customers <> acquisition_by_month.all_new_customers
    or acquisition_by_month.all_new_customers <> acquisition_by_month.channel_new_customers
    or kpis.new_mrr <> acquisition_by_month.all_new_mrr
    or acquisition_by_month.all_new_mrr <> acquisition_by_month.channel_new_mrr
