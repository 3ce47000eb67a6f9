{#
    Cross-mart: the KPI mart reports the MRR bridge's figures for every month,
    and no other months: MRR = ending MRR, ARR, paying, new, churned and
    reactivated customers, churned MRR by type. Returns the months that differ.
#}
with kpis as (

    select
        date_month,
        mrr,
        arr,
        paying_customers,
        new_customers,
        churned_customers,
        reactivated_customers,
        voluntary_churned_mrr,
        involuntary_churned_mrr
    from {{ ref('fct_saas_kpis_monthly') }}

),

mrr_bridge as (

    select
        date_month,
        ending_mrr,
        arr,
        paying_customers,
        new_customers,
        churned_customers,
        reactivated_customers,
        voluntary_churned_mrr,
        involuntary_churned_mrr
    from {{ ref('fct_mrr_monthly') }}

)

select
    kpis.mrr,
    mrr_bridge.ending_mrr,
    coalesce(kpis.date_month, mrr_bridge.date_month) as date_month
from kpis
full outer join mrr_bridge
    on kpis.date_month = mrr_bridge.date_month
where
    kpis.date_month is null
    or mrr_bridge.date_month is null
    or kpis.mrr <> mrr_bridge.ending_mrr
    or kpis.arr <> mrr_bridge.arr
    or kpis.paying_customers <> mrr_bridge.paying_customers
    or kpis.new_customers <> mrr_bridge.new_customers
    or kpis.churned_customers <> mrr_bridge.churned_customers
    or kpis.reactivated_customers <> mrr_bridge.reactivated_customers
    or kpis.voluntary_churned_mrr <> mrr_bridge.voluntary_churned_mrr
    or kpis.involuntary_churned_mrr <> mrr_bridge.involuntary_churned_mrr
