{#
    Cross-mart: each cohort's size is the month's new customers. Under the
    default reactivation window (unlimited) every customer is `new` exactly once,
    in its first paying month, so they are equal; with
    reactivation_window_months set, a customer returning after the window is new
    again but keeps its first cohort, so new customers can only be more.
    Returns the months where this breaks.
#}
{%- set comparison = '<>' if setting('reactivation_window_months') is none else '<' -%}

with kpis as (

    select
        date_month,
        new_customers
    from {{ ref('fct_saas_kpis_monthly') }}

),

cohort_retention as (

    select
        cohort_month,
        cohort_size
    from {{ ref('fct_cohort_retention') }}
    where months_since = 0

)

select
    kpis.date_month,
    kpis.new_customers,
    coalesce(cohort_retention.cohort_size, 0) as cohort_size
from kpis
left join cohort_retention
    on kpis.date_month = cohort_retention.cohort_month
where kpis.new_customers {{ comparison }} coalesce(cohort_retention.cohort_size, 0)
