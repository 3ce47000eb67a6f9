{#
    The as-of date: the `as_of_date` setting when given, otherwise the last day
    with recorded activity in the data (never the wall clock), so the same data
    always builds the same marts. Every dated activity row counts (docs/conventions.md,
    "The as-of date"): events recorded, invoices issued, payments made, customers
    signed up and marketing spend, so no loaded row falls after a derived as-of
    date. FX rates are reference prices, not activity, and do not count.
#}
{%- set as_of_setting = setting('as_of_date') -%}

with subscription_events as (

    select recorded_at from {{ ref('stg_billing__subscription_events') }}

),

invoices as (

    select issued_at from {{ ref('stg_billing__invoices') }}

),

payments as (

    select occurred_at from {{ ref('stg_billing__payments') }}

),

customers as (

    select created_at from {{ ref('stg_billing__customers') }}

),

marketing_spend as (

    select spend_date from {{ ref('stg_billing__marketing_spend') }}

),

activity as (

    select recorded_at as activity_at from subscription_events
    union all
    select issued_at as activity_at from invoices
    union all
    select occurred_at as activity_at from payments
    union all
    select created_at as activity_at from customers
    union all
    {#- A day's spend counts as that day's activity. #}
    select cast(spend_date as {{ dbt.type_timestamp() }}) as activity_at from marketing_spend

),

final as (

    select
        {% if as_of_setting is not none -%}
            cast('{{ as_of_setting }}' as date)
        {%- else -%}
        cast(max(activity_at) as date)
        {%- endif %} as as_of_date,
        {{ dbt.date_trunc('month', 'cast(max(activity_at) as date)') }} as last_activity_month,
        max(activity_at) as last_activity_at
    from activity

)

select
    as_of_date,
    cast({{ dbt.date_trunc('month', 'as_of_date') }} as date) as as_of_month,
    cast(last_activity_month as date) as last_activity_month,
    last_activity_at
from final
