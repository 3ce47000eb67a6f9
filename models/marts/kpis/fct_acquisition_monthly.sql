{#
    Acquisition per month and channel, plus one all-channels row per month:
    marketing spend, new customers, their new MRR, CAC and CAC payback, all
    computed once in int_acquisition_costs_monthly and published here.
#}
with acquisition_costs as (

    select
        date_month,
        acquisition_channel,
        marketing_spend,
        new_customers,
        new_mrr,
        cac,
        cac_payback_months,
        is_all_channels
    from {{ ref('int_acquisition_costs_monthly') }}

),

final as (

    select
        date_month,
        acquisition_channel,
        marketing_spend,
        new_customers,
        new_mrr,
        cac,
        cac_payback_months,
        is_all_channels
    from acquisition_costs

)

select * from final
